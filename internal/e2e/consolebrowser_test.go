package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/easytocloud/easytocloud/internal/emulator"
)

var updateScreenshots = flag.Bool("update-screenshots", false, "write a screenshot of each step of the console journey to docs/console-<step>.png (the README links them)")

// consoleWidth is the narrowest phone the console is made for, in CSS pixels.
const consoleWidth = 375

// axeInstall is the command that installs axe-core where axePath looks.
const axeInstall = "make axe-core (make test runs it; it needs npm)"

// axePath is where make axe-core installs axe-core (the Makefile's AXE_DIR).
func axePath() string {
	return filepath.Join(emulator.RepoRoot(), ".tools", "node", "node_modules", "axe-core", "axe.min.js")
}

// axeSource returns axe-core 4.14's browser bundle, failing the test (never skipping
// it) with the install command when it is missing or another version.
func axeSource(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(axePath())
	if err != nil {
		t.Fatalf("axe-core is not installed (%v); install it with: %s", err, axeInstall)
	}
	if !bytes.HasPrefix(b, []byte("/*! axe v4.14.")) {
		t.Fatalf("%s is not axe-core 4.14 (it begins %q); install the pinned one with: %s", axePath(), b[:min(len(b), 20)], axeInstall)
	}
	return string(b)
}

// consoleBrowser is one person's headless Chromium on the local stack, as a phone
// 375 px wide sees it. It finds fields by their label's text and buttons by theirs
// (never by id or class, which the pages may change), fails the test with what the
// page shows when a step cannot be taken, and checks every page it is asked to
// (check): axe-core, CSP violations and console errors, no sideways scrolling.
type consoleBrowser struct {
	t     *testing.T
	who   string // "the admin", in failure messages
	ctx   context.Context
	log   *browserLog
	stack string // the local stack's base URL
	axe   string
	field string // the id of the field filled last: submit sends its form
}

func newConsoleBrowser(t *testing.T, chromium, stackURL, alexaRedirect, axe, who string) *consoleBrowser {
	t.Helper()
	ctx := newBrowser(t, chromium)
	b := &consoleBrowser{t: t, who: who, ctx: ctx, stack: stackURL, axe: axe}
	b.log = watchBrowser(t, ctx, stackURL, alexaRedirect)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(consoleWidth, 812, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch)); err != nil {
		t.Fatalf("emulate a %d px phone: %v", consoleWidth, err)
	}
	return b
}

// step bounds one browser action that should take moments.
func (b *consoleBrowser) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, 30*time.Second)
}

// eval evaluates a JavaScript expression in the page through DevTools (not subject
// to the page's CSP) and decodes its value into T.
func eval[T any](b *consoleBrowser, expr string) T {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("%s: evaluate in %s: %v", b.who, b.where(), err)
	}
	return v
}

// where names the page the browser shows, for failure messages.
func (b *consoleBrowser) where() string {
	ctx, cancel := b.step()
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "(no page)"
	}
	if u, err := url.Parse(loc); err == nil {
		loc = u.Path
		if u.RawQuery != "" {
			loc += "?…"
		}
	}
	title, _ := chromedp.Run(ctx, chromedp.Title())
	return fmt.Sprintf("%s (%q)", loc, title)
}

// path is the path of the page the browser shows.
func (b *consoleBrowser) path() string {
	loc := eval[string](b, "location.pathname")
	return loc
}

// title is the page's title.
func (b *consoleBrowser) title() string { return eval[string](b, "document.title") }

// text is what the page's main element shows (the body's when it has none).
func (b *consoleBrowser) text() string {
	return eval[string](b, `(document.querySelector("main") || document.body).innerText`)
}

// open navigates to target (a path on the stack or an absolute URL on it) and fails
// unless the page answers want (200 when 0).
func (b *consoleBrowser) open(target string, want int) {
	b.t.Helper()
	b.status(b.visit(target), want, "open "+strings.TrimPrefix(target, b.stack))
}

// visit navigates to target (a path on the stack or an absolute URL on it) and
// returns the status the page answered with.
func (b *consoleBrowser) visit(target string) int64 {
	b.t.Helper()
	if strings.HasPrefix(target, "/") {
		target = b.stack + target
	}
	if !strings.HasPrefix(target, b.stack+"/") {
		b.t.Fatalf("%s: %s does not lead to the local stack at %s (is the console's base URL the stack's /console?)", b.who, target, b.stack)
	}
	ctx, cancel := b.step()
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(target))
	if err != nil {
		b.t.Fatalf("%s: open %s: %v", b.who, target, err)
	}
	b.field = ""
	return resp.Status
}

// status fails the test unless a page answered want (200 when 0), with what it shows.
func (b *consoleBrowser) status(got int64, want int, what string) {
	b.t.Helper()
	if want == 0 {
		want = 200
	}
	if int(got) == want {
		return
	}
	hint := ""
	switch got {
	case 404:
		hint = " (does the local stack serve the console's routes?)"
	case 501:
		hint = " (the page is not built yet: its handler is the skeleton's stub)"
	}
	b.t.Fatalf("%s: %s: the page answered %d, want %d%s; it is %s and shows:\n%s", b.who, what, got, want, hint, b.where(), b.text())
}

// labelled returns the id of the field whose label reads label: exactly, else the
// one label that begins with it, else the one that contains it (case aside). It
// fails the test listing the page's labels when there is none or more than one.
func (b *consoleBrowser) labelled(label string) string {
	b.t.Helper()
	found := b.findLabel(label)
	switch {
	case len(found.IDs) == 1 && found.IDs[0] != "":
		return found.IDs[0]
	case len(found.IDs) == 1:
		b.t.Fatalf("%s: on %s the label %q is tied to no field with an id (<label for=…>)", b.who, b.where(), label)
	case len(found.IDs) > 1:
		b.t.Fatalf("%s: on %s more than one label reads like %q: %q", b.who, b.where(), label, found.Labels)
	}
	b.t.Fatalf("%s: on %s no field is labelled %q; its labels: %q; it shows:\n%s", b.who, b.where(), label, found.Labels, b.text())
	return ""
}

type labelSearch struct {
	Labels []string `json:"labels"`
	IDs    []string `json:"ids"`
}

func (b *consoleBrowser) findLabel(label string) labelSearch {
	want, _ := json.Marshal(label)
	return eval[labelSearch](b, `((want) => {
		const norm = s => s.replace(/\s+/g, " ").trim();
		const labels = [...document.querySelectorAll("label")];
		const texts = labels.map(l => norm(l.textContent));
		const lower = want.toLowerCase();
		let hits = labels.filter((l, i) => texts[i] === want);
		if (!hits.length) hits = labels.filter((l, i) => texts[i].toLowerCase().startsWith(lower));
		if (!hits.length) hits = labels.filter((l, i) => texts[i].toLowerCase().includes(lower));
		const field = l => l.htmlFor ? document.getElementById(l.htmlFor) : l.querySelector("input, select, textarea");
		return {labels: texts, ids: hits.map(l => { const f = field(l); return f && f.id ? f.id : ""; })};
	})(`+string(want)+`)`)
}

// has reports whether some field is labelled like label.
func (b *consoleBrowser) has(label string) bool {
	return len(b.findLabel(label).IDs) > 0
}

func byID(id string) chromedp.JSPath {
	q, _ := json.Marshal(id)
	return chromedp.JSPath("document.getElementById(" + string(q) + ")")
}

// fill replaces what the field labelled label holds with value, typed as a person
// would.
func (b *consoleBrowser) fill(label, value string) {
	b.t.Helper()
	id := b.labelled(label)
	q, _ := json.Marshal(id)
	eval[string](b, "document.getElementById("+string(q)+").value = ''")
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.SendKeys(byID(id), value)); err != nil {
		b.t.Fatalf("%s: type into %q on %s: %v", b.who, label, b.where(), err)
	}
	b.field = id
}

// value returns what the field labelled label holds.
func (b *consoleBrowser) value(label string) string {
	b.t.Helper()
	q, _ := json.Marshal(b.labelled(label))
	return eval[string](b, "document.getElementById("+string(q)+").value")
}

// fieldError returns the error message tied to the field labelled label (the
// elements its aria-describedby names whose text begins "Error"), "" when none.
func (b *consoleBrowser) fieldError(label string) string {
	b.t.Helper()
	q, _ := json.Marshal(b.labelled(label))
	return eval[string](b, `(() => {
		const f = document.getElementById(`+string(q)+`);
		const ids = (f.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
		return ids.map(id => document.getElementById(id)).filter(e => e && /^\s*Error/.test(e.textContent))
			.map(e => e.textContent.replace(/\s+/g, " ").trim()).join(" ");
	})()`)
}

// submit sends the form of the field filled last with its submit button, waits for
// the page that answers and returns its status.
func (b *consoleBrowser) submit() int64 {
	b.t.Helper()
	if b.field == "" {
		b.t.Fatalf("%s: submit on %s before filling a field", b.who, b.where())
	}
	q, _ := json.Marshal(b.field)
	button := chromedp.JSPath(`document.getElementById(` + string(q) + `).form.querySelector('button[type="submit"], button:not([type]), input[type="submit"]')`)
	if !eval[bool](b, `!!(`+string(button)+`)`) {
		b.t.Fatalf("%s: the form of the field %s on %s has no submit button", b.who, b.field, b.where())
	}
	return b.navigate(chromedp.Click(button), "submit the form")
}

// submitForm sends the one form of the page's main content that has a submit
// button (a confirmation page's), waits for the page that answers and returns its
// status.
func (b *consoleBrowser) submitForm() int64 {
	b.t.Helper()
	forms := `[...(document.querySelector("main") || document.body).querySelectorAll("form")].map(f => f.querySelector('button[type="submit"], button:not([type]), input[type="submit"]')).filter(Boolean)`
	if n := eval[int](b, forms+".length"); n != 1 {
		b.t.Fatalf("%s: %s has %d forms to send, want one; it shows:\n%s", b.who, b.where(), n, b.text())
	}
	b.field = ""
	return b.navigate(chromedp.Click(chromedp.JSPath(forms+"[0]")), "send the page's form")
}

// press clicks the one button that reads text, waits for the page that answers and
// returns its status. It fails listing the page's buttons when there is none or
// more than one.
func (b *consoleBrowser) press(text string) int64 {
	b.t.Helper()
	want, _ := json.Marshal(text)
	buttons := `[...document.querySelectorAll('button, input[type="submit"]')]`
	norm := `(e => (e.textContent || e.value || "").replace(/\s+/g, " ").trim())`
	match := buttons + `.filter(e => ` + norm + `(e) === ` + string(want) + `)`
	if n := eval[int](b, match+".length"); n != 1 {
		b.t.Fatalf("%s: on %s %d buttons read %q; its buttons: %q; it shows:\n%s", b.who, b.where(), n, text,
			eval[[]string](b, buttons+".map("+norm+")"), b.text())
	}
	b.field = ""
	return b.navigate(chromedp.Click(chromedp.JSPath(match+"[0]")), "press "+text)
}

// navigate runs the action, which must load a page, and returns its status.
func (b *consoleBrowser) navigate(a chromedp.Action[chromedp.Void], what string) int64 {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, a)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			b.t.Fatalf("%s: %s on %s loaded no page within 30s", b.who, what, b.where())
		}
		b.t.Fatalf("%s: %s on %s: %v", b.who, what, b.where(), err)
	}
	return resp.Status
}

// axeViolation is one rule axe-core found broken, with the elements that break it.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// axeRun injects axe-core into the page (through DevTools, so that the page's CSP,
// which allows no script, does not stop it) and returns its violations.
func (b *consoleBrowser) axeRun() []axeViolation {
	b.t.Helper()
	if !eval[bool](b, `typeof window.axe === "object"`) {
		ctx, cancel := b.step()
		defer cancel()
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](b.axe)); err != nil {
			b.t.Fatalf("%s: inject axe-core into %s: %v", b.who, b.where(), err)
		}
	}
	return eval[[]axeViolation](b, `axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations.map(v => ({
		id: v.id, impact: v.impact || "", help: v.help,
		targets: v.nodes.map(n => n.target.join(" ")),
	})))`)
}

// overflow returns the page's width and the first elements that reach beyond 375 px.
type overflow struct {
	Width    int      `json:"width"`
	Elements []string `json:"elements"`
}

func (b *consoleBrowser) overflow() overflow {
	return eval[overflow](b, `(() => {
		const w = `+fmt.Sprint(consoleWidth)+`;
		const name = e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className && typeof e.className === "string" ? "." + e.className.trim().split(/\s+/).join(".") : "");
		return {width: document.documentElement.scrollWidth,
			elements: [...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > w + 0.5).slice(0, 5).map(name)};
	})()`)
}

// isConsolePage reports whether u is a page of the console or the sign-in pages
// (not an asset: the pages have none).
func isConsolePage(u string) bool {
	p, err := url.Parse(u)
	return err == nil && (strings.HasPrefix(p.Path, "/console/") || strings.HasPrefix(p.Path, "/oauth/"))
}

// documentStatusRE is the browser's log entry for a response with a 4xx status.
var documentStatusRE = regexp.MustCompile(`^network error: Failed to load resource: the server responded with a status of 4\d\d .*\((\S+)\)$`)

// check holds the page the browser shows to the console's standards, reporting
// each failure and going on: no axe-core violation (rule, impact, elements), no CSP
// violation, console error or exception since the last check, no request beyond the
// local stack, and no sideways scrolling at 375 px. With -update-screenshots it
// writes the page to docs/console-<name>.png.
func (b *consoleBrowser) check(name string) {
	b.t.Helper()
	where := b.where()
	problems, unexpected, _ := b.log.take()
	page := eval[string](b, `location.href.split("#")[0]`)
	for _, p := range problems {
		// A page that refuses a form, or a used link, answers 4xx; the browser logs
		// that, as it should. The pages load nothing else, so a 4xx is a page's own.
		if m := documentStatusRE.FindStringSubmatch(p); m != nil && (m[1] == page || isConsolePage(m[1])) {
			continue
		}
		b.t.Errorf("%s, page %s %s: the browser reports %s", b.who, name, where, p)
	}
	for _, u := range unexpected {
		b.t.Errorf("%s, page %s %s: the page asked for %s (blocked: only the local stack may be reached)", b.who, name, where, u)
	}
	for _, v := range b.axeRun() {
		b.t.Errorf("%s, page %s %s: axe-core: %s (%s): %s; elements: %s", b.who, name, where, v.ID, v.Impact, v.Help, strings.Join(v.Targets, ", "))
	}
	if o := b.overflow(); o.Width > consoleWidth {
		b.t.Errorf("%s, page %s %s: %d px wide on a %d px phone, so it scrolls sideways (no <meta name=\"viewport\" content=\"width=device-width\">?); too wide: %q", b.who, name, where, o.Width, consoleWidth, o.Elements)
	}
	// What axe-core's own run may have logged is its business, not the page's.
	b.log.take()
	if *updateScreenshots {
		ctx, cancel := b.step()
		defer cancel()
		shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			b.t.Fatalf("screenshot of %s: %v", name, err)
		}
		path := filepath.Join(emulator.RepoRoot(), "docs", "console-"+name+".png")
		if err := os.WriteFile(path, shot, 0o644); err != nil {
			b.t.Fatal(err)
		}
		b.t.Logf("wrote %s", path)
	}
}

// canaries breaks the page the browser shows on purpose, once, and checks that check
// would see it: an unlabelled input is an axe-core violation and a 1000 px wide block
// makes the page scroll sideways. Then it puts the page back. An empty report means
// something only if these are caught.
func (b *consoleBrowser) canaries() {
	b.t.Helper()
	eval[bool](b, `(() => {
		const i = document.createElement("input"); i.id = "axe-canary"; document.body.append(i);
		const d = document.createElement("div"); d.id = "scroll-canary"; d.style.width = "1000px"; d.style.height = "1px"; document.body.append(d);
		return true; })()`)
	found := false
	for _, v := range b.axeRun() {
		for _, target := range v.Targets {
			found = found || target == "#axe-canary"
		}
	}
	if !found {
		b.t.Errorf("axe-core did not report an input without a label: the accessibility check would report nothing")
	}
	if o := b.overflow(); o.Width <= consoleWidth {
		b.t.Errorf("a 1000 px block did not make the page wider than %d px (%d): the scrolling check would report nothing", consoleWidth, o.Width)
	}
	eval[bool](b, `(() => { document.getElementById("axe-canary").remove(); document.getElementById("scroll-canary").remove(); return true; })()`)
	b.log.take()
}

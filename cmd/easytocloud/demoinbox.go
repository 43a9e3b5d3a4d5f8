package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/easytocloud/easytocloud/internal/emulator"
)

// inbox is the demo's phone and mailbox: it passes the dialog's output through and
// shows the SMS messages and e-mails the emulator received, each once: before each
// "You:", and (interactively) while the dialog waits at its prompt, so that what a
// newcomer does in the browser meanwhile shows up as it happens.
type inbox struct {
	w        io.Writer
	endpoint string
	// tty: w is a terminal, where a message arriving at the prompt replaces the
	// prompt's line (and the prompt follows it) instead of ending it.
	tty bool

	mu      sync.Mutex
	seen    map[string]bool // "sms:<id>", "mail:<id>"
	sms     []emulator.Message
	waiting bool // the dialog's prompt is the last thing shown, and it waits for a line
}

// dialogPrompt is what the dialog prints before each utterance.
const dialogPrompt = "You: "

func newInbox(w io.Writer, endpoint string) *inbox {
	f, ok := w.(*os.File)
	return &inbox{w: w, endpoint: endpoint, tty: ok && term.IsTerminal(int(f.Fd())), seen: map[string]bool{}}
}

// Write passes the dialog's output through, showing the new messages before a "You:".
func (b *inbox) Write(p []byte) (int, error) {
	var got received
	if bytes.HasPrefix(p, []byte("You:")) {
		got = b.fetch()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if got.read {
		b.showLocked(got, true)
	}
	n, err := b.w.Write(p)
	b.waiting = bytes.Equal(p, []byte(dialogPrompt))
	return n, err
}

// typed tells the inbox that the person finished a line: the prompt is no longer
// the last thing on the screen.
func (b *inbox) typed() {
	b.mu.Lock()
	b.waiting = false
	b.mu.Unlock()
}

// show prints the messages not shown yet.
func (b *inbox) show() {
	got := b.fetch()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.showLocked(got, true)
}

// watch shows new messages while the dialog waits at its prompt (poll), reading the
// emulator every interval until ctx ends.
func (b *inbox) watch(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			b.poll()
		}
	}
}

// poll shows the new messages above the prompt, and the prompt again, if the dialog
// waits at its prompt. Messages that arrive while the dialog is busy wait for its
// next prompt; a failed read waits for the next poll.
func (b *inbox) poll() {
	b.mu.Lock()
	waiting := b.waiting
	b.mu.Unlock()
	if !waiting {
		return
	}
	got := b.fetch()
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.waiting || got.err != nil || !b.unseen(got) {
		return
	}
	if b.tty {
		// Replace the prompt's line; anything typed on it stays in the line being read.
		fmt.Fprint(b.w, "\r\033[K")
	} else {
		fmt.Fprintln(b.w)
	}
	b.showLocked(got, false)
	fmt.Fprint(b.w, dialogPrompt)
}

// received is one reading of the emulator's messages.
type received struct {
	sms   []emulator.Message
	mails []emulator.Email
	err   error
	read  bool
}

func (b *inbox) fetch() received {
	sms, err := emulator.ReadSMS(b.endpoint)
	if err != nil {
		return received{err: err, read: true}
	}
	mails, err := emulator.ReadEmail(b.endpoint)
	return received{sms: sms, mails: mails, err: err, read: true}
}

func (b *inbox) unseen(got received) bool {
	for _, m := range got.sms {
		if !b.seen["sms:"+m.ID] {
			return true
		}
	}
	for _, m := range got.mails {
		if !b.seen["mail:"+m.ID] {
			return true
		}
	}
	return false
}

// showLocked prints the messages of got not shown yet (and, when reportErr, why the
// emulator could not be read). b.mu is held.
func (b *inbox) showLocked(got received, reportErr bool) {
	if got.err != nil {
		if reportErr {
			fmt.Fprintf(b.w, "(cannot read the emulator's messages: %v)\n", got.err)
		}
		return
	}
	b.sms = got.sms
	for _, m := range got.sms {
		if !b.seen["sms:"+m.ID] {
			b.seen["sms:"+m.ID] = true
			fmt.Fprintf(b.w, "📱 SMS to %s: %s\n", maskPhone(m.PhoneNumber), m.Text)
		}
	}
	for _, m := range got.mails {
		if b.seen["mail:"+m.ID] {
			continue
		}
		b.seen["mail:"+m.ID] = true
		var to []string
		for _, a := range m.To {
			to = append(to, maskEmail(a))
		}
		fmt.Fprintf(b.w, "✉ Mail to %s: %s\n", strings.Join(to, ", "), m.Subject)
		for _, l := range m.Links() {
			fmt.Fprintf(b.w, "    %s\n", l)
		}
	}
}

var smsCode = regexp.MustCompile(`\b\d{6}\b`)

// newestCode returns the code in the newest SMS to phone, showing any new messages
// first.
func (b *inbox) newestCode(phone string) (string, error) {
	b.show()
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := len(b.sms) - 1; i >= 0; i-- {
		if m := b.sms[i]; m.PhoneNumber == phone {
			if code := smsCode.FindString(m.Text); code != "" {
				return code, nil
			}
		}
	}
	return "", fmt.Errorf("{sms}: no SMS with a code to %s yet (say \"authenticate text\" first)", maskPhone(phone))
}

// maskPhone shows a phone number as its first two and last two characters, as
// much as the logs may show: "+15555550100" → "+1…00".
func maskPhone(p string) string {
	if len(p) < 6 {
		return "…"
	}
	return p[:2] + "…" + p[len(p)-2:]
}

// maskEmail shows an address as the first character of its local part and its
// domain: "alice@acme.example" → "a…@acme.example".
func maskEmail(a string) string {
	local, domain, ok := strings.Cut(a, "@")
	if !ok || local == "" {
		return "…"
	}
	_, size := utf8.DecodeRuneInString(local)
	return local[:size] + "…@" + domain
}

// smsLines hands the dialog one line per Read, replacing {sms} with the newest code
// at the moment the dialog asks for the line (after the previous answer). In strict
// (script) mode a missing code is an error; interactively the line goes as typed.
// typed, if set, is told each time a line has been read.
type smsLines struct {
	r       *bufio.Reader
	code    func() (string, error)
	strict  bool
	typed   func()
	pending []byte
}

func (l *smsLines) Read(p []byte) (int, error) {
	if len(l.pending) == 0 {
		line, err := l.r.ReadString('\n')
		if line == "" {
			return 0, err
		}
		if l.typed != nil {
			l.typed()
		}
		if strings.Contains(line, "{sms}") && !strings.HasPrefix(strings.TrimSpace(line), "#") {
			code, err := l.code()
			switch {
			case err == nil:
				line = strings.ReplaceAll(line, "{sms}", code)
			case l.strict:
				return 0, err
			}
		}
		l.pending = []byte(line)
	}
	n := copy(p, l.pending)
	l.pending = l.pending[n:]
	return n, nil
}

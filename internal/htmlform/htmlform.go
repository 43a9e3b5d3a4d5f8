// Package htmlform reads HTML pages the way a browser does, for programs and tests
// that fill in forms: each <form> with its action, method, named inputs (hidden ones
// included) and submit buttons, and the text of the page's <style> elements. It parses
// with golang.org/x/net/html, so attribute order, quoting, case and character
// references do not matter.
//
//	page, err := htmlform.Parse(body)
//	f, ok := page.PostFormWith("password")
//	fields := f.Fields()
//	fields.Set("email", email)
package htmlform

import (
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Page is what Parse read from an HTML document.
type Page struct {
	// Forms are the page's forms, in document order.
	Forms []Form
	// Styles are the text of the page's <style> elements, in document order, as
	// written (a CSP hash is computed over it).
	Styles []string
}

// Form is one <form> of a page.
type Form struct {
	// Action is the action attribute as written, unescaped ("" when absent: the
	// page's own URL).
	Action string
	// Method is the method attribute in lower case, "get" when absent.
	Method string
	// Inputs are the form's <input> elements that are not submit buttons, in
	// document order.
	Inputs []Input
	// Buttons are the form's submit buttons: <button> elements of type submit (the
	// default) and <input type=submit>, in document order.
	Buttons []Button
}

// Input is one <input> of a form.
type Input struct {
	Name  string
	Type  string // lower case, "text" when absent
	Value string
}

// Button is one submit button of a form.
type Button struct {
	Name  string
	Value string
	// Text is the text a <button> shows, spaces trimmed (an <input>'s is its value).
	Text string
}

// Parse reads page. It returns an error only when the document cannot be read;
// a page without forms is a Page without Forms.
func Parse(page string) (*Page, error) {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return nil, fmt.Errorf("htmlform: read the page: %w", err)
	}
	p := &Page{}
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		switch n.DataAtom {
		case atom.Form:
			p.Forms = append(p.Forms, readForm(n))
		case atom.Style:
			p.Styles = append(p.Styles, text(n))
		}
	}
	return p, nil
}

func readForm(n *html.Node) Form {
	fa := attrs(n)
	f := Form{Action: fa["action"], Method: strings.ToLower(fa["method"])}
	if f.Method == "" {
		f.Method = "get"
	}
	for c := range n.Descendants() {
		if c.Type != html.ElementNode {
			continue
		}
		a := attrs(c)
		typ := strings.ToLower(a["type"])
		switch {
		case c.DataAtom == atom.Button && (typ == "" || typ == "submit"):
			f.Buttons = append(f.Buttons, Button{Name: a["name"], Value: a["value"], Text: strings.TrimSpace(text(c))})
		case c.DataAtom == atom.Input && typ == "submit":
			f.Buttons = append(f.Buttons, Button{Name: a["name"], Value: a["value"], Text: a["value"]})
		case c.DataAtom == atom.Input:
			if typ == "" {
				typ = "text"
			}
			f.Inputs = append(f.Inputs, Input{Name: a["name"], Type: typ, Value: a["value"]})
		}
	}
	return f
}

// attrs returns the attributes of n by lower-case name, their values unescaped.
func attrs(n *html.Node) map[string]string {
	out := make(map[string]string, len(n.Attr))
	for _, a := range n.Attr {
		if a.Namespace == "" {
			out[a.Key] = a.Val
		}
	}
	return out
}

// text returns the text below n.
func text(n *html.Node) string {
	var b strings.Builder
	for c := range n.Descendants() {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}

// PostForms returns the page's forms whose method is POST.
func (p *Page) PostForms() []Form {
	var out []Form
	for _, f := range p.Forms {
		if f.Method == "post" {
			out = append(out, f)
		}
	}
	return out
}

// PostFormWith returns the first POST form that has an input named field, and
// whether there is one.
func (p *Page) PostFormWith(field string) (Form, bool) {
	for _, f := range p.PostForms() {
		if f.Has(field) {
			return f, true
		}
	}
	return Form{}, false
}

// Has reports whether the form has an input named name.
func (f Form) Has(name string) bool {
	for _, in := range f.Inputs {
		if in.Name == name {
			return true
		}
	}
	return false
}

// Fields returns the values of the form's named inputs (submit buttons left out): what
// a browser sends before the user types anything. A new map each call.
func (f Form) Fields() url.Values {
	v := url.Values{}
	for _, in := range f.Inputs {
		if in.Name != "" {
			v.Set(in.Name, in.Value)
		}
	}
	return v
}

// Hidden returns the values of the form's named hidden inputs. A new map each call.
func (f Form) Hidden() url.Values {
	v := url.Values{}
	for _, in := range f.Inputs {
		if in.Name != "" && in.Type == "hidden" {
			v.Set(in.Name, in.Value)
		}
	}
	return v
}

// Button returns the form's first submit button named name with the given value,
// and whether there is one.
func (f Form) Button(name, value string) (Button, bool) {
	for _, b := range f.Buttons {
		if b.Name == name && b.Value == value {
			return b, true
		}
	}
	return Button{}, false
}

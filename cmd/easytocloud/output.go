package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"
)

// jsonOutput is the --json flag of a command that prints what it shows or made.
type jsonOutput struct{ on bool }

// jsonFlag defines --json on fs, printing what as JSON.
func jsonFlag(fs *pflag.FlagSet, what string) *jsonOutput {
	o := &jsonOutput{}
	fs.BoolVar(&o.on, "json", false, "print "+what+" as JSON")
	return o
}

// print writes v as indented JSON with --json, and otherwise what text writes.
func (o *jsonOutput) print(w io.Writer, v any, text func(io.Writer) error) error {
	if o.on {
		return writeJSON(w, v)
	}
	return text(w)
}

// listing is how a list command prints its items: with --json as a JSON array of
// their views, otherwise as an aligned table under header, or empty when there are
// none. row writes an item's rows, tab-separated.
type listing[T, V any] struct {
	view   func(T) V
	empty  string
	header string
	row    func(w io.Writer, item T)
}

func (l listing[T, V]) print(w io.Writer, o *jsonOutput, items []T) error {
	if o.on {
		views := make([]V, len(items))
		for i, it := range items {
			views[i] = l.view(it)
		}
		return writeJSON(w, views)
	}
	if len(items) == 0 {
		fmt.Fprintln(w, l.empty)
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, l.header)
	for _, it := range items {
		l.row(tw, it)
	}
	return tw.Flush()
}

// stampsJSON is the version and times of a stored record, as --json prints them
// after its other fields.
type stampsJSON struct {
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// writeFields writes one "Key:  value" line a field, the values aligned.
func writeFields(w io.Writer, fields [][2]string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, f := range fields {
		fmt.Fprintf(tw, "%s:\t%s\n", f[0], f[1])
	}
	_ = tw.Flush()
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

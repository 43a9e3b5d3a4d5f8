package webui

import (
	"bytes"
	"context"
	"html/template"
	"log/slog"
	"net/http"
)

// Render writes the template name of t with data as an HTML page with status. The
// page is executed into a buffer first, so that a template error (a programming
// error: the templates are fixed and their data escaped) becomes a plain 500 logged
// to log, never half a page.
func Render(ctx context.Context, w http.ResponseWriter, log *slog.Logger, t *template.Template, status int, name string, data any) {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		log.LogAttrs(ctx, slog.LevelError, "render page", slog.String("page", name), slog.String("detail", err.Error()))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// StatusRecorder is a ResponseWriter that remembers the status written, for the one
// log line per request.
type StatusRecorder struct {
	http.ResponseWriter
	Status int
}

// NewStatusRecorder wraps w; the status is 200 until one is written.
func NewStatusRecorder(w http.ResponseWriter) *StatusRecorder {
	return &StatusRecorder{ResponseWriter: w, Status: http.StatusOK}
}

// WriteHeader records code and writes it.
func (r *StatusRecorder) WriteHeader(code int) {
	r.Status = code
	r.ResponseWriter.WriteHeader(code)
}

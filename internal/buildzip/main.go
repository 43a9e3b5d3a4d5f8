// Command buildzip packs a Lambda bootstrap binary into a zip file, reproducibly: the
// same binary always gives the same zip bytes (one entry named bootstrap, mode 0755,
// a fixed timestamp, no other metadata). It refuses a binary that is not a 64-bit
// arm64 Linux ELF executable, so a wrong GOOS or GOARCH fails the build instead of the
// deployment.
//
// Usage (make build runs it):
//
//	go run ./internal/buildzip -o build/skill.zip build/skill/bootstrap
package main

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// epoch is every entry's modification time: the earliest a zip can hold, so that the
// archive does not depend on when the binary was built.
var epoch = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "buildzip:", err)
		os.Exit(1)
	}
}

// run parses the command line and writes the zip.
func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("buildzip", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "zip file to write")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() != 1 {
		return errors.New("usage: buildzip -o out.zip path/to/bootstrap")
	}
	bin, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	if err := checkBinary(bytes.NewReader(bin)); err != nil {
		return fmt.Errorf("%s: %w", fs.Arg(0), err)
	}
	var buf bytes.Buffer
	if err := writeZip(&buf, bin); err != nil {
		return err
	}
	return writeFileAtomic(*out, buf.Bytes())
}

// checkBinary returns an error unless r holds a 64-bit little-endian arm64 Linux ELF
// executable, what Lambda's provided.al2023 runtime on arm64 runs.
func checkBinary(r io.ReaderAt) error {
	f, err := elf.NewFile(r)
	if err != nil {
		return fmt.Errorf("not an ELF binary: %w", err)
	}
	defer f.Close()
	switch {
	case f.Machine != elf.EM_AARCH64:
		return fmt.Errorf("built for %s, want %s (GOARCH=arm64)", f.Machine, elf.EM_AARCH64)
	case f.Class != elf.ELFCLASS64 || f.Data != elf.ELFDATA2LSB:
		return fmt.Errorf("%s %s, want a 64-bit little-endian binary", f.Class, f.Data)
	case f.OSABI != elf.ELFOSABI_NONE && f.OSABI != elf.ELFOSABI_LINUX:
		return fmt.Errorf("built for OS ABI %s, want Linux (GOOS=linux)", f.OSABI)
	case f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN:
		return fmt.Errorf("an ELF %s, want an executable", f.Type)
	}
	return nil
}

// writeZip writes a zip holding bin as the executable bootstrap.
func writeZip(w io.Writer, bin []byte) error {
	zw := zip.NewWriter(w)
	hdr := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate, Modified: epoch}
	hdr.SetMode(0o755)
	fw, err := zw.CreateHeader(hdr)
	if err != nil {
		return fmt.Errorf("zip: %w", err)
	}
	if _, err := fw.Write(bin); err != nil {
		return fmt.Errorf("zip: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("zip: %w", err)
	}
	return nil
}

// writeFileAtomic writes data to name through a temporary file in the same directory,
// so that a failed build never leaves a truncated zip behind.
func writeFileAtomic(name string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), ".buildzip-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

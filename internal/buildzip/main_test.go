package main

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"encoding/binary"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// elfHeader returns a minimal 64-bit little-endian ELF header (no sections) for the
// given machine, OS ABI and type: enough for debug/elf and for checkBinary.
func elfHeader(tb testing.TB, machine elf.Machine, osabi elf.OSABI, typ elf.Type) []byte {
	tb.Helper()
	var h elf.Header64
	copy(h.Ident[:], elf.ELFMAG)
	h.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	h.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	h.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	h.Ident[elf.EI_OSABI] = byte(osabi)
	h.Type = uint16(typ)
	h.Machine = uint16(machine)
	h.Version = uint32(elf.EV_CURRENT)
	h.Ehsize = uint16(binary.Size(h))
	var buf bytes.Buffer
	if err := binary.Write(&buf, binary.LittleEndian, h); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestCheckBinary(t *testing.T) {
	tests := []struct {
		name    string
		bin     []byte
		wantErr bool
	}{
		{"OK", elfHeader(t, elf.EM_AARCH64, elf.ELFOSABI_NONE, elf.ET_EXEC), false},
		{"OKLinuxABI", elfHeader(t, elf.EM_AARCH64, elf.ELFOSABI_LINUX, elf.ET_EXEC), false},
		{"AMD64", elfHeader(t, elf.EM_X86_64, elf.ELFOSABI_NONE, elf.ET_EXEC), true},
		{"FreeBSD", elfHeader(t, elf.EM_AARCH64, elf.ELFOSABI_FREEBSD, elf.ET_EXEC), true},
		{"ObjectFile", elfHeader(t, elf.EM_AARCH64, elf.ELFOSABI_NONE, elf.ET_REL), true},
		{"NotELF", []byte("#!/bin/sh\necho hello\n"), true},
		{"Empty", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkBinary(bytes.NewReader(tt.bin))
			if (err != nil) != tt.wantErr {
				t.Errorf("checkBinary() = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

func TestRunWritesReproducibleZip(t *testing.T) {
	dir := t.TempDir()
	bin := append(elfHeader(t, elf.EM_AARCH64, elf.ELFOSABI_NONE, elf.ET_EXEC), bytes.Repeat([]byte("code"), 1000)...)
	binPath := filepath.Join(dir, "bootstrap")
	if err := os.WriteFile(binPath, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	first, second := filepath.Join(dir, "a", "fn.zip"), filepath.Join(dir, "b", "fn.zip")
	if err := run([]string{"-o", first, binPath}, io.Discard); err != nil {
		t.Fatal(err)
	}
	// A later modification time of the input must not change the output.
	if err := os.Chtimes(binPath, epoch.AddDate(40, 0, 0), epoch.AddDate(40, 0, 0)); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"-o", second, binPath}, io.Discard); err != nil {
		t.Fatal(err)
	}
	a, b := mustRead(t, first), mustRead(t, second)
	if !bytes.Equal(a, b) {
		t.Fatal("two runs on the same binary wrote different zips")
	}

	zr, err := zip.NewReader(bytes.NewReader(a), int64(len(a)))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 1 {
		t.Fatalf("zip holds %d entries, want 1", len(zr.File))
	}
	f := zr.File[0]
	got := struct {
		Name string
		Mode os.FileMode
	}{f.Name, f.Mode()}
	want := struct {
		Name string
		Mode os.FileMode
	}{"bootstrap", 0o755}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entry (-want +got):\n%s", diff)
	}
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	content, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(content, bin) {
		t.Error("zipped bootstrap differs from the binary")
	}
}

func TestRunRejects(t *testing.T) {
	dir := t.TempDir()
	amd64 := filepath.Join(dir, "amd64")
	if err := os.WriteFile(amd64, elfHeader(t, elf.EM_X86_64, elf.ELFOSABI_NONE, elf.ET_EXEC), 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.zip")
	tests := []struct {
		name string
		args []string
	}{
		{"WrongArchitecture", []string{"-o", out, amd64}},
		{"MissingBinary", []string{"-o", out, filepath.Join(dir, "missing")}},
		{"NoOutput", []string{amd64}},
		{"TwoInputs", []string{"-o", out, amd64, amd64}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := run(tt.args, io.Discard); err == nil {
				t.Fatal("run() succeeded, want an error")
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("output exists after a failed run (stat: %v)", err)
			}
		})
	}
}

func mustRead(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// TestRealBinaries builds a small program as make build builds the functions and checks
// that buildzip takes the arm64 Linux binary, twice to the same bytes, and refuses the
// same program built for amd64.
func TestRealBinaries(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles for linux/arm64")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	if err := os.WriteFile(src, []byte("package main\n\nfunc main() { println(\"bootstrap\") }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	build := func(goarch, out string) {
		t.Helper()
		cmd := exec.Command(goBin, "build", "-tags", "lambda.norpc", "-trimpath", "-buildvcs=false", "-ldflags", "-s -w", "-o", out, src)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0", "GOFLAGS=", "GO111MODULE=off")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build for linux/%s: %v\n%s", goarch, err, b)
		}
	}
	arm := filepath.Join(dir, "arm64", "bootstrap")
	build("arm64", arm)
	var zips [2][]byte
	for i := range zips {
		out := filepath.Join(dir, "out", string(rune('a'+i))+".zip")
		if err := run([]string{"-o", out, arm}, io.Discard); err != nil {
			t.Fatalf("buildzip of a linux/arm64 binary: %v", err)
		}
		zips[i] = mustRead(t, out)
		if i == 0 {
			build("arm64", arm) // rebuilt from the same source: the same bytes
		}
	}
	if !bytes.Equal(zips[0], zips[1]) {
		t.Error("two builds of the same source gave different zips")
	}
	f, err := elf.Open(arm)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 || f.Type != elf.ET_EXEC {
		t.Errorf("built %s %s, want an AArch64 executable", f.Machine, f.Type)
	}

	amd := filepath.Join(dir, "amd64", "bootstrap")
	build("amd64", amd)
	if err := run([]string{"-o", filepath.Join(dir, "amd64.zip"), amd}, io.Discard); err == nil {
		t.Error("buildzip took a linux/amd64 binary")
	}
}

package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestArchitectureNamesEveryPackage keeps ARCHITECTURE.md true: it names
// every package of the module (in backquotes), and every package path it
// names in its package table exists.
func TestArchitectureNamesEveryPackage(t *testing.T) {
	doc, err := os.ReadFile("ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	named := map[string]bool{}
	for _, m := range regexp.MustCompile("`([a-z0-9./]+)`").FindAllStringSubmatch(string(doc), -1) {
		named[strings.TrimSuffix(m[1], "/")] = true
	}
	pkgs := map[string]bool{}
	err = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && path != ".") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			pkgs[filepath.ToSlash(filepath.Dir(path))] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for p := range pkgs {
		if !named[p] {
			t.Errorf("package %s is missing from ARCHITECTURE.md", p)
		}
	}
	rows := regexp.MustCompile("(?m)^\\| (`[^|]+`) \\|").FindAllStringSubmatch(string(doc), -1)
	if len(rows) < 20 {
		t.Fatalf("only %d package rows in ARCHITECTURE.md", len(rows))
	}
	for _, row := range rows {
		for _, m := range regexp.MustCompile("`([a-z0-9./]+)`").FindAllStringSubmatch(row[1], -1) {
			if p := m[1]; !pkgs[p] {
				t.Errorf("ARCHITECTURE.md names package %s, which does not exist", p)
			}
		}
	}
}

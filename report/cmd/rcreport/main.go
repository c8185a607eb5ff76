// Command rcreport combines the JSON reports of several conformance runs into one matrix,
// specs × runs, that shows which behaviours change between Rocket.Chat versions, which failed,
// and where targets of the same version disagree. make report runs it.
//
//	rcreport [-o DIR] RUN...
//
// Each RUN is a report.json written by a conformance run (make conformance REPORTS=DIR), or the
// folder holding one. rcreport writes DIR/matrix.html (one self-contained page) and
// DIR/matrix.md (for a GitHub job summary), and prints the matrix's summary. It exits 2 on
// wrong usage, 1 when a report cannot be read or written, and 0 otherwise, whatever the runs'
// outcomes (each run's own exit status says that).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/rcinvite/rcinvite/report"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("rcreport", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "reports", "`folder` for matrix.html and matrix.md (created if needed)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: rcreport [-o DIR] RUN...\n\nEach RUN is a conformance run's report.json, or the folder holding it.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "rcreport: no runs given: name at least one report.json or a folder holding one")
		fs.Usage()
		return 2
	}
	if err := writeMatrix(*out, fs.Args(), stdout); err != nil {
		fmt.Fprintf(stderr, "rcreport: %v\n", err)
		return 1
	}
	return 0
}

func writeMatrix(dir string, inputs []string, stdout io.Writer) error {
	paths := make([]string, len(inputs))
	for i, in := range inputs {
		paths[i] = in
		if st, err := os.Stat(in); err == nil && st.IsDir() {
			paths[i] = filepath.Join(in, report.JSONFile)
		}
	}
	runs, err := report.Load(paths...)
	if err != nil {
		return err
	}
	m := report.NewMatrix(runs)
	files, err := report.WriteMatrix(dir, m)
	if err != nil {
		return err
	}
	if err := m.WriteSummary(stdout); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "Matrix: %s\n", strings.Join(files, ", "))
	return err
}

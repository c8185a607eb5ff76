package main

import (
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"time"

	"github.com/rcinvite/rcinvite/mockserver/internal/loadbench"
)

// runFloor serves the canned answers of -answers on -addr until killed.
func runFloor(args []string) error {
	fs := flag.NewFlagSet("floor", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:3000", "listen address")
	file := fs.String("answers", "", "JSON map of path to answer, as loadbench writes it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	data, err := os.ReadFile(*file)
	if err != nil {
		return err
	}
	var answers map[string]loadbench.Answer
	if err := json.Unmarshal(data, &answers); err != nil {
		return err
	}
	srv := &http.Server{Addr: *addr, Handler: loadbench.Floor(answers), ReadHeaderTimeout: 10 * time.Second}
	return srv.ListenAndServe()
}

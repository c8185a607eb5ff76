package report

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteMarkdown writes the run as summary.md: target, counts, failures with their messages,
// skip reasons, and every spec by behaviour (folded, so that a GitHub job summary stays short).
func (r Run) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# rcinvite conformance: %s\n\n", r.Counts())
	b.WriteString("| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| target | %s |\n", cell(r.Target.Describe()))
	fmt.Fprintf(&b, "| Rocket.Chat | %s |\n", cell(firstNonEmpty(r.Target.Version, "unknown")))
	fmt.Fprintf(&b, "| run | %s (%s) |\n", r.Start.Format(dateFormat), r.End.Sub(r.Start).Round(100*time.Millisecond))
	if len(r.Target.Capabilities) > 0 {
		fmt.Fprintf(&b, "| capabilities | %s |\n", strings.Join(r.Target.Capabilities, ", "))
	}
	if r.Unselected > 0 {
		fmt.Fprintf(&b, "| not selected | %s (focus or label filter) |\n", specCount(r.Unselected))
	}
	writeFailuresMarkdown(&b, r.Failures())
	if reasons := r.SkipReasons(); len(reasons) > 0 {
		fmt.Fprintf(&b, "\n## Skipped (%d), by reason\n\n| specs | reason |\n|---:|---|\n", r.Counts().Skipped)
		for _, s := range reasons {
			fmt.Fprintf(&b, "| %d | %s |\n", s.Specs, cell(s.Reason))
		}
	}
	b.WriteString("\n## Specs by behaviour\n")
	for _, g := range r.Groups() {
		fmt.Fprintf(&b, "\n<details><summary><b>%s</b>: %s</summary>\n\n| | spec | note |\n|---|---|---|\n", escapeHTML(g.Name), g.Counts())
		for _, s := range g.Specs {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", stateMark(s.State), cell(strings.TrimPrefix(s.Sentence(), s.Group+" › ")), cell(note(s.Reason, s.Expects)))
		}
		b.WriteString("\n</details>\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeFailuresMarkdown writes each failure with its sentence, place and whole message.
func writeFailuresMarkdown(b *strings.Builder, failures []Spec) {
	if len(failures) == 0 {
		return
	}
	fmt.Fprintf(b, "\n## Failures (%d)\n", len(failures))
	for _, f := range failures {
		fmt.Fprintf(b, "\n### ❌ %s\n\n`%s`\n\n", cell(f.Sentence()), firstNonEmpty(f.FailedAt, f.Location))
		fmt.Fprintf(b, "%s\n", fence(f.Reason))
	}
}

// WriteMarkdown writes the matrix for a GitHub job summary: the runs, the specs whose
// behaviour changes between versions, failures, differences between targets of the same
// version, and every spec (folded).
func (m Matrix) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("# rcinvite conformance matrix\n\n| run | target | date | result |\n|---|---|---|---|\n")
	for _, r := range m.Runs {
		fmt.Fprintf(&b, "| **%s** | %s | %s | %s |\n", cell(r.Label()), cell(r.Target.Describe()), r.Start.Format(dateFormat), r.Counts())
	}
	m.writeRowsMarkdown(&b, "Behaviour that changes between versions", "The spec expects another answer (**bold**), or ends otherwise on the same kind of target, on another Rocket.Chat version.", m.VersionChanges(), false)
	m.writeRowsMarkdown(&b, "Failures", "", m.FailedRows(), false)
	m.writeRowsMarkdown(&b, "Different on targets of the same version", "The mock and a real server disagree, or one target lacks what the spec needs.", m.TargetDifferences(), true)
	fmt.Fprintf(&b, "\n<details><summary><b>Every spec</b> (%d)</summary>\n\n", len(m.Rows))
	m.writeTable(&b, m.Rows)
	b.WriteString("\n</details>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func (m Matrix) writeRowsMarkdown(b *strings.Builder, title, explain string, rows []Row, fold bool) {
	fmt.Fprintf(b, "\n## %s (%d)\n\n", title, len(rows))
	if len(rows) == 0 {
		b.WriteString("None.\n")
		return
	}
	if explain != "" {
		fmt.Fprintf(b, "%s\n\n", explain)
	}
	if fold {
		b.WriteString("<details><summary>show</summary>\n\n")
	}
	m.writeTable(b, rows)
	if fold {
		b.WriteString("\n</details>\n")
	}
}

func (m Matrix) writeTable(b *strings.Builder, rows []Row) {
	b.WriteString("| behaviour | spec |")
	for _, r := range m.Runs {
		fmt.Fprintf(b, " %s |", cell(r.Label()))
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|", len(m.Runs)) + "\n")
	for _, row := range rows {
		sentence := cell(row.Sentence)
		if row.AnswerChange {
			sentence = "**" + sentence + "**"
		}
		fmt.Fprintf(b, "| %s | %s |", cell(row.Group), sentence)
		for _, c := range row.Cells {
			fmt.Fprintf(b, " %s |", cell(cellText(c)))
		}
		b.WriteString("\n")
	}
}

// cellText is a matrix cell in a few words: the outcome's mark, what the spec expected, and
// the first line of a skip reason or failure.
func cellText(c Cell) string {
	if c.Absent {
		return "—"
	}
	return strings.TrimSpace(stateMark(c.State) + " " + note(c.Reason, c.Expects))
}

// note is what a table shows beside an outcome: the expectation and the first line of the reason.
func note(reason, expects string) string {
	var parts []string
	if expects != "" {
		parts = append(parts, "expects: "+expects)
	}
	if line := firstLine(reason); line != "" {
		parts = append(parts, line)
	}
	return strings.Join(parts, "; ")
}

func stateMark(s State) string {
	switch s {
	case Passed:
		return "✅"
	case Failed:
		return "❌"
	}
	return "⏭️"
}

// cell makes text safe inside a Markdown table cell: one line, pipes and HTML escaped.
func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(escapeHTML(s), "|", `\|`)
}

func escapeHTML(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// fence puts text in a code block whose fence the text cannot close.
func fence(text string) string {
	f := "```"
	for strings.Contains(text, f) {
		f += "`"
	}
	return f + "text\n" + strings.TrimRight(text, "\n") + "\n" + f
}

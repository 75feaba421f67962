package cmd

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/fatih/color"
	"github.com/olekukonko/tablewriter"
)

// newTable returns a plain tablewriter table in walctl's style.
func newTable(w io.Writer, header ...string) *tablewriter.Table {
	t := tablewriter.NewWriter(w)
	t.SetHeader(header)
	t.SetAutoWrapText(false)
	t.SetAutoFormatHeaders(false)
	t.SetHeaderAlignment(tablewriter.ALIGN_LEFT)
	t.SetAlignment(tablewriter.ALIGN_LEFT)
	t.SetBorder(false)
	t.SetColumnSeparator(" ")
	t.SetHeaderLine(false)
	t.SetTablePadding("  ")
	t.SetNoWhiteSpace(true)
	return t
}

// wrapLongText makes a table wrap its long prose columns (messages,
// evidence) at a readable width instead of one line per row.
func wrapLongText(t *tablewriter.Table) {
	t.SetAutoWrapText(true)
	t.SetReflowDuringAutoWrap(true)
	t.SetColWidth(90)
}

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

var (
	bold   = color.New(color.Bold).SprintFunc()
	red    = color.New(color.FgRed, color.Bold).SprintFunc()
	yellow = color.New(color.FgYellow).SprintFunc()
	green  = color.New(color.FgGreen).SprintFunc()
	faint  = color.New(color.Faint).SprintFunc()
)

func severityColor(sev string) string {
	switch sev {
	case "error":
		return red(sev)
	case "warning":
		return yellow(sev)
	}
	return sev
}

func orDash(v int64) string {
	if v < 0 {
		return "-"
	}
	return fmt.Sprint(v)
}

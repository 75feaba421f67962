package raftlog

// Severity of a finding.
type Severity string

const (
	// Error: the library fails, or loses or corrupts a committed entry (now
	// or after an upgrade to 5.7.3+).
	Error Severity = "error"
	// Warning: suspicious; nothing committed at risk.
	Warning Severity = "warning"
	// Info: worth knowing.
	Info Severity = "info"
)

// NoIndex marks a finding that concerns no particular log index.
const NoIndex int64 = -1

// Finding is one problem found in a log. Codes are stable kebab-case
// identifiers documented in the README.
type Finding struct {
	Severity Severity `json:"severity"`
	Code     string   `json:"code"`
	File     string   `json:"file"`
	Offset   int64    `json:"offset"` // -1 when no byte offset applies
	Index    int64    `json:"index"`  // NoIndex when no log index applies
	Message  string   `json:"message"`
	Fix      string   `json:"fix"`
}

// Findings is an ordered list of findings.
type Findings []Finding

// Add appends a finding.
func (fs *Findings) Add(f Finding) { *fs = append(*fs, f) }

// HasErrors reports whether at least one finding is an error.
func (fs Findings) HasErrors() bool {
	for _, f := range fs {
		if f.Severity == Error {
			return true
		}
	}
	return false
}

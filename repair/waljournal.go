package repair

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/walctl/walctl/internal/atomicfs"
)

// WALJournalCommand is the journal command of a WriteAheadLog repair. It
// differs from "repair" so that a PersistentState resume never runs on it.
const WALJournalCommand = "repair-wal"

// walJournal is the journal of a WAL repair: the common fields (Pending
// reads them) plus the WAL options needed to plan again on the backup.
type walJournal struct {
	Command string            `json:"command"`
	Backup  string            `json:"backup"`
	Started time.Time         `json:"started"`
	WAL     *WALRepairOptions `json:"walRepair"`
}

func writeWALJournal(dir, backup string, o WALRepairOptions) error {
	b, err := json.MarshalIndent(&walJournal{Command: WALJournalCommand, Backup: backup, Started: time.Now().UTC(), WAL: &o}, "", "  ")
	if err != nil {
		return err
	}
	return atomicfs.WriteBytes(filepath.Join(dir, JournalName), b, 0o644)
}

// pendingWAL returns the journal of an interrupted WAL repair in dir, nil
// when there is none, and an error for another command's journal.
func pendingWAL(dir string) (*walJournal, error) {
	j, err := Pending(dir)
	if err != nil || j == nil {
		return nil, err
	}
	if j.Command != WALJournalCommand {
		return nil, fmt.Errorf("%s: an interrupted walctl %s is pending (journal %s): run walctl %s again to finish it, or restore the directory from %s", dir, j.Command, JournalName, j.Command, j.Backup)
	}
	b, err := os.ReadFile(filepath.Join(dir, JournalName))
	if err != nil {
		return nil, err
	}
	var wj walJournal
	if err := json.Unmarshal(b, &wj); err != nil || wj.WAL == nil {
		return nil, fmt.Errorf("%s: unreadable journal of an interrupted walctl repair (%v): restore the directory from its backup", filepath.Join(dir, JournalName), err)
	}
	return &wj, nil
}

package wal

import "github.com/walctl/walctl/release"

// CheckpointFormFor is the checkpoint form release v reads and writes
// (spec §4.1, §0.4): 8 bytes for 5.22–5.26.x, 12 for 6.0–6.7.x, 20 for
// 6.8.0+. ok is false for releases without a WriteAheadLog (before 5.22.0).
func CheckpointFormFor(v release.Version) (form int, ok bool) {
	switch {
	case v.Less(release.WriteAheadLogAdded):
		return 0, false
	case v.Less(release.WALRecord32):
		return Checkpoint5x, true
	case v.Less(release.CheckpointV1):
		return CheckpointV0, true
	}
	return CheckpointV1, true
}

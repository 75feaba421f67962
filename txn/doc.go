/*
Package txn is walctl's one write path. repair --apply (PersistentState and
WriteAheadLog), convert --in-place and convert --out all write through it,
so that a write either replaces a log with one that passed an audit, or
changes nothing; a crash at any point leaves a state the next walctl
recognises and either finishes or discards.

# The lock

A writer holds walctl's lock on the log directory DIR for its whole run
(LockDir): an advisory flock on the directory itself, taken without
waiting. A second writer gets a *BusyError and exits 2 ("another walctl (PID
n) is writing DIR"); on Linux the PID comes from /proc/locks, so holding the
lock writes nothing and a killed walctl leaves nothing stale. convert --out
takes a shared lock on its input (ShareDir): several may read one log, none
while it is written. Where a directory cannot be flocked (NFS) the lock is
on the file DIR/.walctl-lock, which then names its holder. An output
directory OUT, which does not exist yet, is locked through the sibling file
OUT.walctl-lock. This lock is walctl's own: whether the node itself holds
the log's files is a separate probe (logdir.HeldBy, --force).

# In place: DIR/.walctl-txn

An in-place write (Begin) uses one folder inside DIR, which the library
never reads (PersistentState reads numeric names and node.state, the
WriteAheadLog its fixed names):

	DIR/
	  .walctl-txn/
	    journal.json      what is being done (below)
	    stage/            the new log, complete: what DIR will be
	  node.state, 0, 1, … or checkpoint, state, metadata/, data/, db/
	DIR.walctl-backup-<UTC time>/   the backup (or --backup FOLDER)

A write goes through these steps, each made durable before the next
(a file: temp name, fsync, rename, fsync of its directory):

 1. journal.json is written, phase "staging", naming the operation, its
    canonical command line (Args), the caller's options, the backup's final
    name and its temp name.
 2. The backup: DIR is copied to DIR.walctl-backup-<time>.walctl-tmp-<random>
    — regular files sparse (only the extents SEEK_DATA finds are copied, by
    copy_file_range where the kernel can, so a 10 GiB hole costs nothing),
    with owner, group, mode and modification time, every file and directory
    fsynced — then renamed to its final name. A backup is under its final
    name only when it is complete. Free space for the backup and the new
    files is checked (statfs) before anything is written.
 3. The caller plans again on the backup (it must match the plan it made on
    DIR: nothing changed in between) and writes every new or rewritten file
    into stage/ (WriteFile), rebuilt from the backup; it names the files to
    delete (Remove). Each new file takes the owner, group and mode of the
    file it replaces, else those of the log's node.state (or state,
    checkpoint); chown is skipped where it is not permitted.
 4. Commit fsyncs the new files whose fsync is still due (WriteFile starts
    each file's writeback at once and fsyncs it up to 16 files later, so
    that the disk writes while the next files are made), hard-links every
    file of DIR the write does not change into stage/ (a sparse copy where
    links are impossible), so that stage/ is a whole log, and fsyncs its
    directories.
 5. The audit: the caller's Auditor reads DIR (still untouched) and stage/.
    Any error abandons the write: stage, journal and backup are removed, DIR
    is as it was (its modification time too), the command exits 1
    (*AuditError). There is no way to write without an Auditor. An Auditor
    that is a Preparer begins reading DIR when the transaction has begun
    (after step 2), while stage/ is written: DIR does not change before the
    audit, so it reads the same.
 6. journal.json turns to phase "publishing" and lists the operations in
    order: rename stage/<name> over DIR/<name>, or remove DIR/<name>.
 7. The operations run, then DIR (and each directory touched) is fsynced.
 8. stage/ is removed, then journal.json — the end of the write — then
    .walctl-txn, and DIR is fsynced.

# After a crash

What the next walctl finds tells it where the crash was:

  - no journal (a .walctl-txn without one is a leftover of step 1 or 8, and
    is removed by the next writer): DIR is the old log or the new one,
    whole.
  - a journal in phase "staging": DIR is untouched. The same command
    discards the run (its stage, its backup, temp or complete) and starts
    over.
  - a journal in phase "publishing": DIR holds some new files. The same
    command finishes it (Finish): a staged file that is gone was renamed
    already, every other operation is done again; renames and removals are
    idempotent.

A writer whose command line differs from the journal's, and every read-only
command (detect, inspect, verify, diff, repair without --apply), stops
instead with a *PendingError, said first and only, exit 2: "an interrupted
walctl <op> is pending on DIR (started …, backup …): run `<the journaled
command, shell-quoted>` to finish it, or restore from <backup>".

# Into a new directory: OUT.walctl-tmp-<random>

convert --out (BeginOut) builds the output in a temp sibling of OUT; codec
writers may write into it directly (Dir). Commit gives every file the
owner, group and mode of the input's file of the same name (else of the
input's log files; the directory those of an existing empty OUT, else of
the input), fsyncs everything, audits (input, temp) and renames the temp to
OUT — rename(2) replaces an empty OUT. OUT appears whole or not at all; an
interrupted run leaves only the temp folder, which the next run removes.
OUT inside the input is refused, like a backup inside it.

# Faults

Every change goes through the FS interface (OS in production). FaultFS
stops a run after any step, as a crash would, and fails everything after
it; the crash tests run each write to every step and check that the
directory is old-or-new per file and that the next run completes it.
*/
package txn

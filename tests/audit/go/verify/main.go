// Command verify checks opsgate's audit checkpoints and proofs with Go's
// golang.org/x/mod/sumdb/note and sumdb/tlog packages only: an implementation that shares no
// code with opsgate (tests/integration/test_audit_c2sp.sh builds it from Debian's GOPATH).
//
//	verify checkpoint VKEY NOTE_FILE            a C2SP checkpoint signed by VKEY: prints origin size root
//	verify inclusion VKEY PROOF_JSON             an opsgate-audit-inclusion-proof/2 document
//	verify consistency VKEY OLD_NOTE PROOF_JSON  a consistency proof (GET .../consistency) from
//	                                             the checkpoint OLD_NOTE to the one it carries
//
// Exit 0 when it verifies, 1 when it does not (the reason on stderr), 2 for bad usage.
package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "verify: "+format+"\n", args...)
	os.Exit(1)
}

// open checks the note's signature by vkey and parses the C2SP tlog-checkpoint body.
func open(vkey string, text []byte) checkpoint {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		fail("verifier key: %v", err)
	}
	n, err := note.Open(text, note.VerifierList(v))
	if err != nil {
		fail("checkpoint signature: %v", err)
	}
	lines := strings.SplitN(n.Text, "\n", 4)
	if len(lines) < 4 || lines[0] == "" {
		fail("checkpoint body is not origin, size and root lines: %q", n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		fail("checkpoint size %q is not a decimal", lines[1])
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		fail("checkpoint root %q: %v", lines[2], err)
	}
	return checkpoint{lines[0], size, root}
}

func readJSON(path string, v interface{}) {
	b, err := os.ReadFile(path)
	if err != nil {
		fail("%v", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		fail("%s: %v", path, err)
	}
}

func hashes(list []string) []tlog.Hash {
	out := make([]tlog.Hash, len(list))
	for i, s := range list {
		h, err := tlog.ParseHash(s)
		if err != nil {
			fail("proof hash %d: %v", i, err)
		}
		out[i] = h
	}
	return out
}

func inclusion(vkey, path string) {
	var p struct {
		Format     string   `json:"format"`
		Chain      string   `json:"chain"`
		Seq        int64    `json:"seq"`
		RecordHash string   `json:"record_hash"`
		LeafIndex  int64    `json:"leaf_index"`
		TreeSize   int64    `json:"tree_size"`
		RootHash   string   `json:"root_hash"`
		Proof      []string `json:"proof"`
		Checkpoint string   `json:"checkpoint"`
	}
	readJSON(path, &p)
	if p.Format != "opsgate-audit-inclusion-proof/2" {
		fail("format %q is not opsgate-audit-inclusion-proof/2", p.Format)
	}
	cp := open(vkey, []byte(p.Checkpoint))
	if !strings.HasSuffix(cp.origin, "/"+p.Chain) {
		fail("checkpoint origin %q is not of chain %q", cp.origin, p.Chain)
	}
	root, err := tlog.ParseHash(p.RootHash)
	if err != nil || root != cp.root || p.TreeSize != cp.size {
		fail("the proof's tree (%d, %s) is not the checkpoint's (%d, %s)", p.TreeSize, p.RootHash,
			cp.size, cp.root)
	}
	raw, err := hex.DecodeString(p.RecordHash)
	if err != nil || len(raw) != 32 {
		fail("record_hash %q is not a hex SHA-256", p.RecordHash)
	}
	if p.LeafIndex != p.Seq-1 {
		fail("leaf index %d is not seq %d - 1", p.LeafIndex, p.Seq)
	}
	// the leaf data of record n is its 32-byte record hash: leaf hash = SHA-256(0x00 || hash)
	if err := tlog.CheckRecord(hashes(p.Proof), cp.size, cp.root, p.LeafIndex, tlog.RecordHash(raw)); err != nil {
		fail("inclusion of record %d in tree size %d: %v", p.Seq, cp.size, err)
	}
	fmt.Printf("record %d of %s is in the tree of size %d\n", p.Seq, cp.origin, cp.size)
}

func consistency(vkey, oldPath, path string) {
	var p struct {
		From       int64    `json:"from"`
		To         int64    `json:"to"`
		Proof      []string `json:"proof"`
		Checkpoint string   `json:"checkpoint"`
	}
	oldText, err := os.ReadFile(oldPath)
	if err != nil {
		fail("%v", err)
	}
	readJSON(path, &p)
	old, cur := open(vkey, oldText), open(vkey, []byte(p.Checkpoint))
	if old.origin != cur.origin {
		fail("origins differ: %q and %q", old.origin, cur.origin)
	}
	if old.size != p.From || cur.size != p.To {
		fail("the proof is from %d to %d, the checkpoints are of sizes %d and %d", p.From, p.To,
			old.size, cur.size)
	}
	if err := tlog.CheckTree(hashes(p.Proof), cur.size, cur.root, old.size, old.root); err != nil {
		fail("tree of size %d does not extend the one of size %d: %v", cur.size, old.size, err)
	}
	fmt.Printf("%s: tree size %d extends tree size %d\n", cur.origin, cur.size, old.size)
}

func main() {
	a := os.Args
	switch {
	case len(a) == 4 && a[1] == "checkpoint":
		text, err := os.ReadFile(a[3])
		if err != nil {
			fail("%v", err)
		}
		cp := open(a[2], text)
		fmt.Printf("%s %d %s\n", cp.origin, cp.size, cp.root)
	case len(a) == 4 && a[1] == "inclusion":
		inclusion(a[2], a[3])
	case len(a) == 5 && a[1] == "consistency":
		consistency(a[2], a[3], a[4])
	default:
		fmt.Fprintln(os.Stderr, "usage: verify checkpoint VKEY NOTE | inclusion VKEY PROOF | consistency VKEY OLD_NOTE PROOF")
		os.Exit(2)
	}
}

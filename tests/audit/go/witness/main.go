// Command witness is a small C2SP tlog-witness (POST /add-checkpoint) for the tests, written on
// golang.org/x/mod/sumdb/note and sumdb/tlog and Go's crypto/ed25519: nothing shared with
// opsgate. It keeps the size and root it last cosigned per origin (in -state), answers 409 with
// that size when the client's "old" differs, 422 when the consistency proof fails (a rewritten
// history), 403 when the checkpoint is not signed by the log's key, 404 for an origin outside
// the log, and otherwise cosigns.
//
// x/mod 0.7.0's note package knows only the Ed25519 signed-note signature (type 0x01), not the
// C2SP tlog-cosignature "cosignature/v1" (type 0x04): with -cosig v1 (the default) the witness
// builds that cosignature itself with crypto/ed25519 as c2sp.org/tlog-cosignature specifies;
// with -cosig note it signs with note.Sign (a plain Ed25519 note signature).
//
//	witness -log VKEY -prefix ORIGIN_PREFIX -name NAME -state FILE -port-file FILE [-cosig v1|note]
//
// It listens on 127.0.0.1 (an ephemeral port, written to -port-file) and prints its own verifier
// key on stdout's first line.
package main

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type seen struct {
	Size int64  `json:"size"`
	Root string `json:"root"`
}

type witness struct {
	mu      sync.Mutex
	log     note.Verifiers
	prefix  string
	name    string
	priv    ed25519.PrivateKey
	signer  note.Signer
	cosig   string
	keyHash uint32
	state   map[string]seen
	path    string
}

func keyHash(name string, typ byte, pub []byte) uint32 {
	h := sha256.New()
	h.Write([]byte(name + "\n"))
	h.Write([]byte{typ})
	h.Write(pub)
	return binary.BigEndian.Uint32(h.Sum(nil)[:4])
}

func (w *witness) save() {
	b, _ := json.Marshal(w.state)
	if err := os.WriteFile(w.path+".tmp", b, 0o600); err == nil {
		os.Rename(w.path+".tmp", w.path)
	}
}

// cosign returns the witness's signature line over the checkpoint body.
func (w *witness) cosign(body string, signed []byte) (string, error) {
	if w.cosig == "note" {
		out, err := note.Sign(&note.Note{Text: body}, w.signer)
		if err != nil {
			return "", err
		}
		// the note is the body, a blank line and the signature lines: keep the witness's
		sigs := string(out[len(body)+1:])
		return sigs, nil
	}
	ts := uint64(time.Now().Unix())
	msg := fmt.Sprintf("cosignature/v1\ntime %d\n%s", ts, body)
	sig := ed25519.Sign(w.priv, []byte(msg))
	raw := make([]byte, 4+8+64)
	binary.BigEndian.PutUint32(raw, w.keyHash)
	binary.BigEndian.PutUint64(raw[4:], ts)
	copy(raw[12:], sig)
	return fmt.Sprintf("\u2014 %s %s\n", w.name, base64.StdEncoding.EncodeToString(raw)), nil
}

func httpError(rw http.ResponseWriter, code int, format string, args ...interface{}) {
	msg := fmt.Sprintf(format, args...)
	log.Printf("%d %s", code, msg)
	http.Error(rw, msg, code)
}

func (w *witness) addCheckpoint(rw http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		httpError(rw, http.StatusMethodNotAllowed, "POST only")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		httpError(rw, http.StatusBadRequest, "%v", err)
		return
	}
	// "old N", proof lines, a blank line, the signed checkpoint
	sc := bufio.NewReader(bytes.NewReader(body))
	first, err := sc.ReadString('\n')
	if err != nil || !strings.HasPrefix(first, "old ") {
		httpError(rw, http.StatusBadRequest, "the request starts with an old line")
		return
	}
	old, err := strconv.ParseInt(strings.TrimSuffix(first[4:], "\n"), 10, 64)
	if err != nil || old < 0 {
		httpError(rw, http.StatusBadRequest, "bad old size")
		return
	}
	var proof tlog.TreeProof
	for {
		line, err := sc.ReadString('\n')
		if err != nil {
			httpError(rw, http.StatusBadRequest, "no blank line before the checkpoint")
			return
		}
		if line == "\n" {
			break
		}
		h, err := tlog.ParseHash(strings.TrimSuffix(line, "\n"))
		if err != nil {
			httpError(rw, http.StatusBadRequest, "bad proof line: %v", err)
			return
		}
		proof = append(proof, h)
	}
	signed, _ := io.ReadAll(sc)
	n, err := note.Open(signed, w.log)
	if err != nil {
		httpError(rw, http.StatusForbidden, "checkpoint not signed by the log's key: %v", err)
		return
	}
	lines := strings.SplitN(n.Text, "\n", 4)
	if len(lines) < 4 {
		httpError(rw, http.StatusBadRequest, "not a checkpoint")
		return
	}
	origin := lines[0]
	size, err1 := strconv.ParseInt(lines[1], 10, 64)
	root, err2 := tlog.ParseHash(lines[2])
	if err1 != nil || err2 != nil || size < old {
		httpError(rw, http.StatusBadRequest, "bad checkpoint size or root, or size below old")
		return
	}
	if !strings.HasPrefix(origin, w.prefix) {
		httpError(rw, http.StatusNotFound, "unknown origin %q", origin)
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	st := w.state[origin]
	if old != st.Size {
		log.Printf("409 origin %s: client says old %d, I have %d", origin, old, st.Size)
		rw.Header().Set("Content-Type", "text/x.tlog.size")
		rw.WriteHeader(http.StatusConflict)
		fmt.Fprintf(rw, "%d\n", st.Size)
		return
	}
	if old > 0 {
		prev, _ := tlog.ParseHash(st.Root)
		if old == size {
			if prev != root {
				httpError(rw, http.StatusConflict, "same size %d, another root", size)
				return
			}
		} else if err := tlog.CheckTree(proof, size, root, old, prev); err != nil {
			httpError(rw, http.StatusUnprocessableEntity,
				"tree size %d of %s is not consistent with tree size %d I cosigned: %v", size,
				origin, old, err)
			return
		}
	} else if len(proof) != 0 {
		httpError(rw, http.StatusBadRequest, "a proof from size 0")
		return
	}
	line, err := w.cosign(n.Text, signed)
	if err != nil {
		httpError(rw, http.StatusInternalServerError, "%v", err)
		return
	}
	w.state[origin] = seen{size, root.String()}
	w.save()
	log.Printf("200 origin %s: cosigned size %d (old %d, %d proof hashes)", origin, size, old, len(proof))
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(rw, line)
}

func main() {
	logKey := flag.String("log", "", "the log's verifier key (opsgate audit pubkey --note)")
	prefix := flag.String("prefix", "", "origins this witness accepts start with this")
	name := flag.String("name", "witness.test/w1", "the witness's key name")
	statePath := flag.String("state", "witness-state.json", "where the sizes it saw are kept")
	portFile := flag.String("port-file", "", "write the port listened on to this file")
	cosig := flag.String("cosig", "v1", "v1: C2SP cosignature/v1; note: plain Ed25519 note signature")
	keyFile := flag.String("key", "", "the witness's Ed25519 seed (32 bytes, base64) in this file; created when missing")
	flag.Parse()
	v, err := note.NewVerifier(*logKey)
	if err != nil {
		log.Fatalf("-log: %v", err)
	}
	w := &witness{log: note.VerifierList(v), prefix: *prefix, name: *name, cosig: *cosig,
		state: map[string]seen{}, path: *statePath}
	var seed []byte
	if b, err := os.ReadFile(*keyFile); err == nil {
		seed, _ = base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	}
	if len(seed) != ed25519.SeedSize {
		seed = make([]byte, ed25519.SeedSize)
		rand.Read(seed)
		if *keyFile != "" {
			os.WriteFile(*keyFile, []byte(base64.StdEncoding.EncodeToString(seed)), 0o600)
		}
	}
	w.priv = ed25519.NewKeyFromSeed(seed)
	pub := w.priv.Public().(ed25519.PublicKey)
	var vkey string
	if *cosig == "note" {
		// note's own private key format: "PRIVATE+KEY+name+hash+base64(0x01 || seed)"
		h := keyHash(*name, 1, pub)
		skey := fmt.Sprintf("PRIVATE+KEY+%s+%08x+%s", *name, h,
			base64.StdEncoding.EncodeToString(append([]byte{1}, seed...)))
		if w.signer, err = note.NewSigner(skey); err != nil {
			log.Fatalf("signer: %v", err)
		}
		vkey, _ = note.NewEd25519VerifierKey(*name, pub)
	} else {
		w.keyHash = keyHash(*name, 4, pub)
		vkey = fmt.Sprintf("%s+%08x+%s", *name, w.keyHash,
			base64.StdEncoding.EncodeToString(append([]byte{4}, pub...)))
	}
	if b, err := os.ReadFile(*statePath); err == nil {
		json.Unmarshal(b, &w.state)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	if *portFile != "" {
		port := ln.Addr().(*net.TCPAddr).Port
		os.WriteFile(*portFile+".tmp", []byte(strconv.Itoa(port)+"\n"), 0o644)
		os.Rename(*portFile+".tmp", *portFile)
	}
	fmt.Println(vkey)
	os.Stdout.Sync()
	mux := http.NewServeMux()
	mux.HandleFunc("/add-checkpoint", w.addCheckpoint)
	log.Fatal(http.Serve(ln, mux))
}

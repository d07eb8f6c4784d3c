# Mutual TLS on the console: `tfarm certs` makes a CA and certificates
# (0600 keys, never overwritten); a node with [tls] serves the console only
# to a certificate of its CA: an operator's works, none or another CA's is
# refused at the handshake and nothing is executed; the audit names the
# operator of the certificate that signed the command; an oversize BASP header
# sent to the TLS port moves the node's memory by less than 10 MB. Without
# [tls] a console beyond loopback refuses to start (exit 2 naming [tls]).
# Bad TLS files are named at start.
source "$(dirname "$0")/lib.sh"
root=$(pwd)
tfarm=$(realpath "$tfarm")
export TFARM_ADMIN_TOKEN=integration-tls-token-77
cd "$tmp"

# The CA and the certificates.
expect_exit 0 "$tfarm" certs init --dir pki
expect_grep "^wrote pki/ca.crt and pki/ca.key" "$tmp/out"
expect_exit 0 "$tfarm" certs issue --dir pki --name node1 --role node
expect_exit 0 "$tfarm" certs issue --dir pki --name alice --role operator
for f in pki/ca.key pki/node1.key pki/alice.key; do
  [[ $(stat -c %a "$f") == 600 ]] || fail "$f has mode $(stat -c %a "$f")"
done
expect_exit 1 "$tfarm" certs issue --dir pki --name alice --role operator
expect_grep "pki/alice.crt exists already" "$tmp/err"
expect_exit 1 "$tfarm" certs init --dir pki
expect_grep "pki/ca.crt exists already" "$tmp/err"
expect_exit 2 "$tfarm" certs issue --dir pki --name bob --role admin
# The CA's key can stay elsewhere (offline).
mkdir offline && mv pki/ca.key offline/
expect_exit 1 "$tfarm" certs issue --dir pki --name bob --role operator
expect_grep "pki/ca.key: cannot read it" "$tmp/err"
expect_exit 0 "$tfarm" certs issue --dir pki --name bob --role operator --ca-key offline/ca.key
openssl verify -CAfile pki/ca.crt pki/node1.crt pki/alice.crt pki/bob.crt >/dev/null ||
  fail "openssl does not verify the issued certificates"
expect_exit 0 "$tfarm" certs init --dir other
expect_exit 0 "$tfarm" certs issue --dir other --name mallory --role operator

farm() { # farm FILE EXTRA: the demo farm plus EXTRA
  sed "s|\.\./policies/default.toml|$root/examples/policies/default.toml|" \
    "$root/examples/single_node/farm.toml" >"$1"
  printf '%s\n' "$2" >>"$1"
}
farm tls.toml '[tls]
ca = "pki/ca.crt"
cert = "pki/node1.crt"
key = "pki/node1.key"'

start_on_free_port --console-port "Console on " \
  "$tfarm" run -c tls.toml --db tls.db --http-port 0 --for 120s
expect_grep "console on 127.0.0.1:$port \(4 workers, mutual TLS\)" "$tmp/run.err"
operator=(--ca pki/ca.crt --cert pki/alice.crt --key pki/alice.key)
console=("$tfarm" console --connect "127.0.0.1:$port" --retries 1 --timeout 5s)
expect_exit 0 "${console[@]}" "${operator[@]}" -e "info /vault"
expect_grep "^/vault +supervisor" "$tmp/out"
# The same through the environment.
expect_exit 0 env TFARM_TLS_CA=pki/ca.crt TFARM_TLS_CERT=pki/alice.crt TFARM_TLS_KEY=pki/alice.key \
  "${console[@]}" -e "vault status"

# Without a certificate: refused at the handshake, exit 2, nothing executed.
expect_exit 2 "${console[@]}" -e "halt --farm"
expect_grep "disconnect_during_handshake" "$tmp/err"
# A certificate of another CA, or none: the node ends the handshake with an
# alert (the client would refuse such a certificate itself, so openssl
# presents it; under TLS 1.3 the alert follows the client's Finished, hence
# -ign_eof: read until the node closes).
s_client() {
  (sleep 2) | timeout 10 openssl s_client -connect "127.0.0.1:$port" -CAfile pki/ca.crt -ign_eof \
    "$@" >"$tmp/sclient" 2>&1 || true
}
s_client -cert other/mallory.crt -key other/mallory.key
expect_grep "alert unknown ca" "$tmp/sclient"
s_client
expect_grep "alert certificate required" "$tmp/sclient"
# probe PORT CONNECTIONS BYTES SECONDS KB: BASP headers announcing BYTES
# each; prints the most the node's resident memory (kB) grew above its
# value before, sampled while the connections stay open, for SECONDS or
# until it grew by KB.
probe() {
  python3 - "$pid" "$@" <<'EOF'
import socket, struct, sys, time
pid, port, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
seconds, enough = float(sys.argv[5]), int(sys.argv[6])
def rss():
    with open("/proc/%s/status" % pid) as f:
        return int([l.split()[1] for l in f if l.startswith("VmRSS")][0])
before = rss()
conns = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    # CAF 0.17's 32-byte BASP header of a direct message: operation,
    # padding, flags, the payload length (what a plain port allocates before
    # reading any of it), operation data, source and destination actor.
    s.sendall(struct.pack(">BBBBIQQQ", 2, 0, 0, 0, size, 0, 0, 1))
    s.sendall(b"x" * 1000)
    conns.append(s)
grown, deadline = 0, time.monotonic() + seconds
while grown < enough and time.monotonic() < deadline:
    time.sleep(0.1)
    grown = max(grown, rss() - before)
print(grown)
EOF
}
# Half a handshake and a BASP header announcing 2 GB on five connections:
# the node does not allocate what the header announces.
# Watched 3 s: the plain port below grows by 64 MB within a second when idle.
grown=$(probe "$port" 5 $((0x7FFFFFFF)) 3 10240)
((grown < 10240)) || fail "resident memory grew by $grown kB"
expect_exit 0 "${console[@]}" "${operator[@]}" -e "audit -n 50"
grep -q "halt" "$tmp/out" && fail "a refused console executed something: $(cat "$tmp/out")"
# The audit names the operator its certificate names, whatever the client
# says it is (bob's certificate, alice's claim).
expect_exit 0 "${console[@]}" --ca pki/ca.crt --cert pki/bob.crt --key pki/bob.key \
  -e "kill /user/alice/mm-1 --reason 'tls drill'"
expect_exit 0 "${console[@]}" "${operator[@]}" -e "audit -n 50"
expect_grep "console +bob +console.kill +/user/alice/mm-1: tls drill" "$tmp/out"

# Client-side checks name the file and what is wrong.
expect_exit 2 "${console[@]}" --ca pki/ca.crt --cert other/mallory.crt --key other/mallory.key \
  -e "tree"
expect_grep "other/mallory.crt \(--ca/--cert/--key\): not a valid certificate of the CA pki/ca.crt" \
  "$tmp/err"
expect_exit 2 "${console[@]}" --ca pki/ca.crt --cert pki/alice.crt -e "tree"
expect_grep "missing --key \(or TFARM_TLS_KEY\)" "$tmp/err"
expect_exit 2 "${console[@]}" --ca pki/ca.crt --cert pki/alice.crt --key pki/node1.key -e "tree"
expect_grep "pki/node1.key \(--ca/--cert/--key\): not the key of the certificate pki/alice.crt" \
  "$tmp/err"
kill -INT $pid
wait $pid || fail "the TLS node did not stop cleanly"

# The probe is real: the same on a plain (loopback) console makes the node
# allocate what the header announces (64 MB here, not 2 GB).
farm plain.toml ''
start_on_free_port --console-port "Console on " \
  "$tfarm" run -c plain.toml --db plain.db --http-port 0 --for 60s
grown=$(probe "$port" 1 $((64 * 1024 * 1024)) 30 32768)
((grown >= 32768)) || fail "the probe did not reach a plain port (grew by $grown kB in 30 s)"
kill -INT $pid
wait $pid || fail "the plain node did not stop cleanly"

# A node refuses bad TLS files before anything starts.
cp pki/node1.key loose.key && chmod 644 loose.key
farm loose.toml '[tls]
ca = "pki/ca.crt"
cert = "pki/node1.crt"
key = "loose.key"'
expect_exit 2 "$tfarm" run -c loose.toml --db loose.db --console-port 0 --for 1s
expect_grep "loose.key \(\[tls\] at .*loose.toml:[0-9]+:[0-9]+\): the key is open to other users \(mode 0644\): chmod 600" \
  "$tmp/err"
farm role.toml '[tls]
ca = "pki/ca.crt"
cert = "pki/alice.crt"
key = "pki/alice.key"'
expect_exit 2 "$tfarm" run -c role.toml --db role.db --console-port 0 --for 1s
expect_grep "a certificate of role 'operator', where one of role 'node' is needed" "$tmp/err"
farm half.toml '[tls]
ca = "pki/ca.crt"'
expect_exit 2 "$tfarm" run -c half.toml --db half.db --console-port 0 --for 1s
expect_grep "half.toml:[0-9]+:[0-9]+: .*cert" "$tmp/err"

# Without [tls], a console beyond loopback does not start ...
sed -i 's/^bind = "127.0.0.1"$/bind = "0.0.0.0"/' "$(farm open.toml '' && echo open.toml)"
expect_exit 2 "$tfarm" run -c open.toml --db open.db --console-port 24299 --http-port 0 --for 1s
expect_grep "the console on 0.0.0.0:24299 would be beyond loopback without TLS: set \[tls\] ca, cert and key" \
  "$tmp/err"
[[ ! -e open.db ]] || fail "the refused node created its database"
# (--insecure, which would bind beyond loopback, is tested on the check
# itself: transport_check_test.)
expect_exit 0 "$tfarm" run -c open.toml --db open.db --console-port 0 --http-port 0 --for 1s
echo "tls: ok"

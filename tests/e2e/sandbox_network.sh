# Must show 3: without --net, connecting to a TCP listener on the host's 127.0.0.1 fails;
# with --net it succeeds.
source "$(dirname "$0")/lib.sh"

# A listener on the host's loopback that records what it receives.
port_file="$WORK/port" got_file="$WORK/got"
python3 - "$port_file" "$got_file" <<'PY' &
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(4)
s.settimeout(120)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    conn, _ = s.accept()
    data = conn.recv(100)
    open(sys.argv[2], "ab").write(data)
    conn.close()
    if b"quit" in data:
        break
PY
listener=$!
cleanup_hooks+=("kill $listener 2>/dev/null")
for _ in $(seq 100); do [[ -s $port_file ]] && break; sleep 0.1; done
port=$(cat "$port_file")

# bash's /dev/tcp is the client (a runtime stage has no shell unless asked for).
code=0
err=$("$XBUILD" sandbox run --packages bash -- bash -c "echo isolated >/dev/tcp/127.0.0.1/$port" 2>&1) || code=$?
[[ $code -ne 0 ]] || fail "connected to the host's 127.0.0.1:$port without --net"
expect_contains "$err" "Connection refused" "no host network without --net"
out=$("$XBUILD" sandbox run -- cat /proc/net/dev | tail -n +3 | awk -F: '{gsub(/ /,"",$1); print $1}' | tr '\n' ' ')
expect_eq "$out" "lo " "only the loopback interface exists without --net"
out=$("$XBUILD" sandbox run --packages bash -- bash -c "echo ok >/dev/tcp/127.0.0.1/9 2>&1; exit 0" 2>&1 || true)
expect_contains "$out" "Connection refused" "loopback is up inside (refused, not unreachable)"

"$XBUILD" sandbox run --net --packages bash -- bash -c "echo connected >/dev/tcp/127.0.0.1/$port"
"$XBUILD" sandbox run --net --packages bash -- bash -c "echo quit >/dev/tcp/127.0.0.1/$port"
wait "$listener" || true
got=$(tr '\n' ' ' <"$got_file")
expect_eq "$got" "connected quit " "with --net the host listener received the data"
[[ "$got" != *isolated* ]] || fail "data from the isolated run reached the host"

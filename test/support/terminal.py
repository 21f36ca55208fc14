#!/usr/bin/env python3
"""Runs a command under a real pseudo-terminal, the way a person at a terminal would.

Spec (JSON in argv[1]): {"cmd": [...], "cwd": str, "env": {...}, "rows": int, "cols": int,
"steps": [{"wait": "text", "send": "chars"} | {"wait": "text", "resize": [rows, cols]}
| {"wait": "text", "signal": "INT"}], "timeout": seconds}. Each step waits for its text to
appear in the output after the previous step's point, then acts.
Prints JSON: {"output", "code", "signal", "restored", "timedOut"}; restored says whether the
terminal's mode after the command equals its mode before (a raw mode left behind is not).
"""
import fcntl, json, os, select, signal, struct, sys, termios, time, pty

spec = json.loads(sys.argv[1])
master, slave = pty.openpty()
fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", spec.get("rows", 24), spec.get("cols", 80), 0, 0))
before = termios.tcgetattr(slave)
pid = os.fork()
if pid == 0:
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(slave, fd)
    os.close(master)
    os.chdir(spec.get("cwd", "."))
    os.execvpe(spec["cmd"][0], spec["cmd"], spec.get("env", dict(os.environ)))

output = b""
mark = 0
steps = list(spec.get("steps", []))
deadline = time.time() + spec.get("timeout", 60)
status = None

def read_some(wait):
    global output
    r, _, _ = select.select([master], [], [], wait)
    if r:
        try:
            data = os.read(master, 65536)
        except OSError:
            return False
        output += data
        return bool(data)
    return False

while time.time() < deadline:
    if steps and steps[0]["wait"].encode() in output[mark:]:
        step = steps.pop(0)
        mark = output.index(step["wait"].encode(), mark) + len(step["wait"])
        if "send" in step:
            os.write(master, step["send"].encode())
        if "resize" in step:
            fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", step["resize"][0], step["resize"][1], 0, 0))
        if "signal" in step:
            os.killpg(os.getpgid(pid), getattr(signal, "SIG" + step["signal"]))
        continue
    read_some(0.05)
    done, st = os.waitpid(pid, os.WNOHANG)
    if done:
        status = st
        while read_some(0.2):
            pass
        break
timed_out = status is None
if timed_out:
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
after = termios.tcgetattr(slave)
print(json.dumps({
    "output": output.decode("utf-8", "replace"),
    "code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
    "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
    "restored": before == after,
    "timedOut": timed_out,
}))

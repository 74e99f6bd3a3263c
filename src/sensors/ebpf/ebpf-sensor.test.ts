/**
 * The eBPF sensor's write accounting, live: bytes are summed in the kernel and flushed every
 * second, so a sensor that stops must still collect what the kernel holds, and each sum must name
 * the file written, whichever fd the bytes went through.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { closeSync, fstatSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { RawEvent } from "../../events/schema.js";
import { TreeSet } from "../../session/tree.js";
import { EbpfSensor, liveLookups } from "./ebpf-sensor.js";
import { nativeProgramAvailability } from "./native-program.js";

const probe = await new EbpfSensor().probe();
const native = nativeProgramAvailability();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `sensor` on the tree of `pid`, its events into `events`; a sensor failure fails the test. */
function startOn(sensor: EbpfSensor, pid: number, dir: string, events: RawEvent[]): Promise<void> {
  return sensor.start({
    tree: new TreeSet(pid),
    emit: (e) => events.push(e),
    workDir: dir,
    onFailure: (reason) => assert.fail(reason),
  });
}

for (const nativeProgram of [true, false])
  test(
    `ebpf${nativeProgram ? " (native program)" : " (bpftrace)"}: every byte of a tight write loop is recorded against its file, up to the moment the sensor stops`,
    {
      skip: !probe.usable
        ? probe.reason
        : nativeProgram && !native.usable
          ? `the native program ${native.reason}`
          : false,
      timeout: 90_000,
    },
    async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), "ebpf-writes-"));
      const file = path.join(dir, "out.log");
      // dash writes `echo >&3` through fd 1 (dup2'd for the command and back), so the fd number
      // alone would name the wrong file. As fast as it can: a million writes a second find any
      // byte lost between a flush's read and its reset, and any name read from an fd that moved.
      const daemon = `exec 3>>${file}; while :; do echo 0123456789 >&3; done`;
      const target = spawn("/bin/sh", ["-c", daemon], { stdio: "ignore", detached: true });
      const pid = target.pid!;
      const sensor = new EbpfSensor(undefined, nativeProgram);
      const events: RawEvent[] = [];
      try {
        await sleep(300); // it opens the file before the sensor starts, as a daemon observed by --pid
        process.kill(-pid, "SIGSTOP");
        await startOn(sensor, pid, dir, events);
        const before = statSync(file).size;
        process.kill(-pid, "SIGCONT");
        await sleep(2500);
        // Frozen mid-second: what it wrote since the last per-second flush is only in the kernel.
        process.kill(-pid, "SIGSTOP");
        await sensor.stop();
        let recorded = 0;
        for (const e of events) if (e.kind === "write" && e.path === file) recorded += e.bytes;
        const written = statSync(file).size - before;
        assert.ok(written > 0, "the daemon wrote nothing");
        assert.equal(
          recorded,
          written,
          `ebpf recorded ${recorded} of the ${written} bytes written to ${file}`,
        );
      } finally {
        process.kill(-pid, "SIGKILL");
        await sensor.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

test("a write's file is found among a process's fds by device and inode, not by inode alone", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "ebpf-inode-"));
  const file = path.join(dir, "held");
  const fd = openSync(file, "w", 0o600);
  try {
    const st = fstatSync(fd);
    assert.equal(liveLookups.openFileByInode(process.pid, st.dev, st.ino, fd), file);
    assert.equal(liveLookups.openFileByInode(process.pid, st.dev, st.ino, 9999), file, "found by a scan");
    // The same inode number on another filesystem (pipefs, a tmpfs) is another file.
    assert.equal(liveLookups.openFileByInode(process.pid, st.dev + 1, st.ino, fd), undefined);
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  "ebpf (native program): a call the target is blocked in at the end is in the census; a script's exec keeps the caller's arguments",
  {
    skip: !probe.usable ? probe.reason : !native.usable ? `the native program ${native.reason}` : false,
    timeout: 60_000,
  },
  async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "ebpf-native-"));
    const script = path.join(dir, "tick.sh");
    writeFileSync(script, "#!/bin/sh\nexit 0\n", { mode: 0o700 });
    // The daemon waits at a fifo until the sensor runs (a SIGSTOP after spawn can come too late:
    // CI once saw the script run before it), runs the script once, then sleeps: blocked in one
    // call until the end.
    const gate = path.join(dir, "gate");
    execFileSync("mkfifo", ["-m", "0600", gate]);
    const daemon = `read _ < ${gate}; ${script} one two; exec sleep 30`;
    const target = spawn("/bin/sh", ["-c", daemon], { stdio: "ignore", detached: true });
    const pid = target.pid!;
    const sensor = new EbpfSensor();
    const events: RawEvent[] = [];
    try {
      await startOn(sensor, pid, dir, events);
      await writeFile(gate, "go\n"); // returns once the shell has the fifo open for reading
      await sleep(1500); // sleep 30 is now in clock_nanosleep, where it stays
      await sensor.stop();
      const run = events.find((e) => e.kind === "exec" && e.path === script);
      assert.ok(
        run && run.kind === "exec",
        `no exec of ${script}: ${JSON.stringify(events.filter((e) => e.kind === "exec"))}`,
      );
      assert.deepEqual(
        run.argv,
        [script, "one", "two"],
        "the interpreter the kernel put first is not the caller's argv",
      );
      const usage = sensor.usage();
      assert.ok(usage, "no syscall census");
      assert.ok(
        (usage.syscalls.clock_nanosleep ?? 0) + (usage.syscalls.nanosleep ?? 0) > 0,
        `the sleep it is blocked in is not counted: ${Object.keys(usage.syscalls).join(" ")}`,
      );
    } finally {
      process.kill(-pid, "SIGKILL");
      await sensor.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

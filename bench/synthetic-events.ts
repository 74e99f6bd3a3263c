import { closeSync, openSync, writeSync } from "node:fs";

/** An events.jsonl of `n` synthetic events: a mix of the kinds a busy daemon produces, 2 ms apart. */
export function writeSyntheticEvents(file: string, n: number): void {
  const fd = openSync(file, "w");
  let buf = "";
  for (let i = 0; i < n; i++) {
    const ts = 1_700_000_000_000 + i * 2;
    const pid = 1000 + (i % 50);
    const base = `"ts":${ts},"seq":${i + 1},"pid":${pid},"comm":"d","sensor":"ptrace"`;
    switch (i % 8) {
      case 0:
        buf += `{"kind":"exec",${base},"path":"/usr/bin/uname","argv":["uname","-a"]}\n`;
        break;
      case 1:
        buf += `{"kind":"open",${base},"path":"/etc/d/${i % 100}.conf","flags":["O_RDONLY"],"fd":3}\n`;
        break;
      case 2:
        buf += `{"kind":"write",${base},"path":"/var/lib/d/state","fd":4,"bytes":64}\n`;
        break;
      case 3:
        buf += `{"kind":"connect",${base},"family":"inet","address":"127.0.0.1","port":${6000 + (i % 10)}}\n`;
        break;
      case 4:
        buf += `{"kind":"fork",${base},"child":${pid + 100}}\n`;
        break;
      case 5:
        buf += `{"kind":"exit",${base},"code":${i % 3}}\n`;
        break;
      case 6:
        buf += `{"kind":"rename",${base},"from":"/tmp/x${i % 10}","to":"/etc/d/d.conf"}\n`;
        break;
      default:
        buf += `{"kind":"open",${base},"path":"/tmp/p${i % 20}","flags":["O_WRONLY","O_CREAT"],"fd":5}\n`;
    }
    if (buf.length > 1 << 20) {
      writeSync(fd, buf);
      buf = "";
    }
  }
  writeSync(fd, buf);
  closeSync(fd);
}

// The agent's fencing watchdog: a tiny detached process (plain JavaScript, so it starts in
// milliseconds without tsx) that kills the node's containers when the agent has not renewed
// its Lease for longer than the fencing timeout. It is what makes fencing hold when the agent
// itself cannot act: frozen (SIGSTOP, a hung machine), killed, or stopped and not restarted.
//
//   node fencing-watchdog.mjs HEARTBEAT_FILE CONTAINERS_DIR TIMEOUT_MS [CGROUP_ROOT_NAME]
//
// HEARTBEAT_FILE holds the time (ms since the epoch) the last successful renewal was sent.
// The watchdog exits when that file disappears (the data dir was removed), when a new agent
// replaces it, or an hour after fencing with no agent back. Containers are found through the process runtime's records
// (CONTAINERS_DIR/<id>/record.json, and the shim's container.json): each workload's process group is killed when its pid
// still names the same process (start time), and every process left in its cgroup after it.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const [heartbeatFile, containersDir, timeoutArg, cgroupRootName = 'hale'] = process.argv.slice(2);
const timeoutMs = Number(timeoutArg);
const POLL_MS = 100;

function lastRenewal() {
  try {
    return Number(readFileSync(heartbeatFile, 'utf8').trim());
  } catch {
    return undefined;
  }
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
}

function startTimeOf(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {
    return undefined;
  }
}

function kill(pid) {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Every pid in the cgroup `rel` (and below) in each mounted hierarchy. */
function cgroupPids(rel) {
  const pids = [];
  const roots = ['/sys/fs/cgroup'];
  try {
    for (const d of readdirSync('/sys/fs/cgroup', { withFileTypes: true })) if (d.isDirectory()) roots.push(join('/sys/fs/cgroup', d.name));
  } catch {
    return pids;
  }
  const walk = (dir) => {
    try {
      for (const line of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n')) if (line) pids.push(Number(line));
      for (const d of readdirSync(dir, { withFileTypes: true })) if (d.isDirectory()) walk(join(dir, d.name));
    } catch {
      // not in this hierarchy
    }
  };
  for (const root of roots) if (existsSync(join(root, cgroupRootName, rel))) walk(join(root, cgroupRootName, rel));
  return pids;
}

function fence() {
  let killed = 0;
  let ids = [];
  try {
    ids = readdirSync(containersDir);
  } catch {
    return 0;
  }
  for (const id of ids) {
    let record;
    try {
      record = JSON.parse(readFileSync(join(containersDir, id, 'record.json'), 'utf8'));
    } catch {
      continue;
    }
    // A running container's record may predate its start: the shim's container.json has the pid.
    if (!record.pid) record = { ...record, ...readJson(join(containersDir, id, 'container.json')) };
    if (record.pid && record.startTime !== undefined && startTimeOf(record.pid) === record.startTime) {
      kill(-record.pid);
      kill(record.pid);
      killed++;
    }
    if (record.cgroup) for (const pid of cgroupPids(record.cgroup)) kill(pid);
  }
  return killed;
}

// After fencing the watchdog stays armed: the agent may come back (its next renewal refreshes
// the heartbeat) and fail again. It gives up an hour after fencing if no agent returned.
const GIVE_UP_MS = 3_600_000;
let fencedFor;

const timer = setInterval(() => {
  const last = lastRenewal();
  if (last === undefined || !existsSync(heartbeatFile)) {
    clearInterval(timer);
    return;
  }
  if (!(last > 0)) return;
  const stale = Date.now() - last > timeoutMs;
  if (!stale) {
    fencedFor = undefined;
    return;
  }
  if (fencedFor === last) {
    if (Date.now() - last > GIVE_UP_MS) clearInterval(timer);
    return;
  }
  fencedFor = last;
  const killed = fence();
  try {
    writeFileSync(
      join(dirname(heartbeatFile), 'fenced'),
      `${JSON.stringify({ at: new Date().toISOString(), lastRenewal: new Date(last).toISOString(), containers: killed })}\n`,
    );
  } catch {
    // the data dir is gone
  }
}, POLL_MS);

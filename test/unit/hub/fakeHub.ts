// A local stand-in for the Hugging Face hub on 127.0.0.1 (random port), serving the endpoints @huggingface/hub
// calls: GET /api/models/<id>/revision/<rev> (model info with sha and siblings) and GET /<id>/resolve/<rev>/<file>
// (with Range support, ETag = sha256 for LFS-style files, X-Repo-Commit). It can cut a download short once, to test
// resuming, and logs every request.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRepo {
  sha: string;
  files: Record<string, Buffer>;
}

export interface FakeHub {
  url: string;
  log: { method: string; path: string; range?: string }[];
  /** Cut the next full download of `file` after `bytes` bytes (socket destroyed). */
  dropNext(file: string, bytes: number): void;
  close(): Promise<void>;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const gitSha = (b: Buffer) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');

export async function startFakeHub(repos: Record<string, FakeRepo>): Promise<FakeHub> {
  const log: FakeHub['log'] = [];
  const drops = new Map<string, number>();
  const notFound = (res: ServerResponse, code: string) => {
    res.writeHead(404, { 'Content-Type': 'application/json', 'X-Error-Code': code });
    res.end(JSON.stringify({ error: code }));
  };
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', 'http://x');
    log.push({ method: req.method ?? '', path: u.pathname, range: req.headers.range });
    const api = /^\/api\/models\/(.+)\/revision\/([^/]+)$/.exec(u.pathname);
    if (api) {
      const repo = repos[api[1]];
      if (!repo) return notFound(res, 'RepoNotFound');
      const rev = decodeURIComponent(api[2]);
      if (rev !== 'main' && rev !== repo.sha) return notFound(res, 'RevisionNotFound');
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end(
        JSON.stringify({
          _id: 'x',
          id: api[1],
          sha: repo.sha,
          private: false,
          gated: false,
          downloads: 0,
          likes: 0,
          lastModified: '2024-01-01T00:00:00.000Z',
          pipeline_tag: 'fill-mask',
          siblings: Object.keys(repo.files).map((rfilename) => ({ rfilename })),
        }),
      );
    }
    const m = /^\/(.+?\/.+?)\/resolve\/([^/]+)\/(.+)$/.exec(u.pathname);
    if (!m) return notFound(res, 'NotFound');
    const repo = repos[m[1]];
    if (!repo) return notFound(res, 'RepoNotFound');
    const rev = decodeURIComponent(m[2]);
    if (rev !== 'main' && rev !== repo.sha) return notFound(res, 'RevisionNotFound');
    const body = repo.files[m[3]];
    if (!body) return notFound(res, 'EntryNotFound');
    const lfs = m[3].endsWith('.safetensors');
    const headers: Record<string, string> = {
      'Content-Type': 'application/octet-stream',
      'Accept-Ranges': 'bytes',
      'X-Repo-Commit': repo.sha,
      ETag: `"${lfs ? sha256(body) : gitSha(body)}"`,
    };
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    let start = 0;
    let end = body.length - 1;
    if (range) {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]), end) : end;
      headers['Content-Range'] = `bytes ${start}-${end}/${body.length}`;
    }
    const chunk = body.subarray(start, end + 1);
    headers['Content-Length'] = String(chunk.length);
    res.writeHead(range ? 206 : 200, headers);
    if (req.method === 'HEAD') return res.end();
    const drop = drops.get(m[3]);
    if (drop !== undefined && chunk.length > 1) {
      drops.delete(m[3]);
      res.write(chunk.subarray(0, drop), () => setTimeout(() => res.destroy(), 20));
      return;
    }
    res.end(chunk);
  };
  const server: Server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    dropNext: (file, bytes) => drops.set(file, bytes),
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A port that was just free: nothing listens there. */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

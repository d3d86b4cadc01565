// A fake of Prometheus's instant-query API (GET /api/v1/query) for the ops tests: it answers the SLO recording
// series the budget reader asks for, from values the test sets, in Prometheus's own JSON shape.
import { createServer, type Server } from 'node:http';

export interface FakeSlo {
  service: string;
  slo: string;
  /** `slo:period_error_budget_remaining:ratio` */
  remaining: number;
  /** `slo:current_burn_rate:ratio` */
  burnRate: number;
}

export interface FakePrometheus {
  readonly url: string;
  /** Series the fake answers (replace to change what Prometheus "recorded"). */
  slos: FakeSlo[];
  /** Answer every query with this HTTP status (and Prometheus's error JSON) until cleared. */
  failWith: number | undefined;
  /** Every query received, in order. */
  readonly queries: string[];
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const SERIES: Record<string, keyof Pick<FakeSlo, 'remaining' | 'burnRate'>> = {
  'slo:period_error_budget_remaining:ratio': 'remaining',
  'slo:current_burn_rate:ratio': 'burnRate',
};

/** Starts the fake on 127.0.0.1, port 0. Understands `<series>` and `<series>{service="x"}`. */
export async function startFakePrometheus(slos: FakeSlo[] = []): Promise<FakePrometheus> {
  const state = { slos, failWith: undefined as number | undefined, queries: [] as string[] };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== '/api/v1/query') return void res.writeHead(404).end('404 page not found');
    const query = url.searchParams.get('query') ?? '';
    state.queries.push(query);
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (state.failWith !== undefined) return json(state.failWith, { status: 'error', errorType: 'internal', error: 'fake prometheus told to fail' });
    const m = /^([a-z_:]+)(?:\{service="([^"]*)"\})?$/.exec(query);
    const field = m ? SERIES[m[1] ?? ''] : undefined;
    if (!m || !field) return json(400, { status: 'error', errorType: 'bad_data', error: `fake prometheus does not know ${query}` });
    const t = Date.now() / 1_000;
    const result = state.slos.filter((s) => !m[2] || s.service === m[2]).map((s) => ({ metric: { __name__: m[1], service: s.service, slo: s.slo }, value: [t, String(s[field])] }));
    json(200, { status: 'success', data: { resultType: 'vector', result } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    url: `http://127.0.0.1:${port}`,
    get slos() {
      return state.slos;
    },
    set slos(v) {
      state.slos = v;
    },
    get failWith() {
      return state.failWith;
    },
    set failWith(v) {
      state.failWith = v;
    },
    queries: state.queries,
    close,
    [Symbol.asyncDispose]: close,
  };
}

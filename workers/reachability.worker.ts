/**
 * Probes endpoints off the page: GET {url}/ for each URL asked, answering whether any HTTP
 * response came (true) or the fetch failed or timed out (false). In a Worker so that a network
 * that is down does not fill the page's console with a failed-request line every probe.
 */
const TIMEOUT_MS = 6_000

self.onmessage = async (ev: MessageEvent<{ id: number; urls: string[] }>) => {
  const { id, urls } = ev.data
  const ok = await Promise.all(
    urls.map((u) =>
      fetch(u.replace(/\/+$/, '') + '/', { method: 'GET', cache: 'no-store', signal: AbortSignal.timeout(TIMEOUT_MS) }).then(
        () => true,
        () => false,
      ),
    ),
  )
  self.postMessage({ id, ok })
}

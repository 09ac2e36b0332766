"""Drive Voilà's page in headless Chromium through the DevTools protocol (issue 16's browser test)."""
import asyncio, base64, json, os, shutil, socket, subprocess, tempfile, time, urllib.request
import websockets

def _free_port():
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

class Page:
    def __init__(self, ws): self.ws, self.n = ws, 0
    async def call(self, method, **params):
        self.n += 1; i = self.n
        await self.ws.send(json.dumps({'id': i, 'method': method, 'params': params}))
        while True:
            m = json.loads(await self.ws.recv())
            if m.get('id') == i:
                if 'error' in m: raise RuntimeError(f"{method}: {m['error']}")
                return m.get('result', {})
    async def js(self, expr):
        r = await self.call('Runtime.evaluate', expression=expr, returnByValue=True, awaitPromise=True)
        return r.get('result', {}).get('value')
    async def wait(self, expr, timeout=90):
        t = time.monotonic()
        while time.monotonic() - t < timeout:
            if await self.js(expr): return True
            await asyncio.sleep(0.5)
        raise TimeoutError(expr)
    async def key(self, key, code, vk, times=1):
        for _ in range(times):
            for typ in ('keyDown', 'keyUp'):
                await self.call('Input.dispatchKeyEvent', type=typ, key=key, code=code, windowsVirtualKeyCode=vk)

TABLE = "(document.querySelector('.widget-html-content table') || {}).innerText || ''"

async def drive(url, out, chromium='chromium', width=1200, height=1500, steps=4):
    "Open `url`, wait for the panel, press ArrowRight `steps` times on the CDR slider, wait for the table to change, screenshot."
    port = _free_port(); prof = tempfile.mkdtemp(prefix='chromium-')
    proc = subprocess.Popen([chromium, '--headless', '--no-sandbox', '--disable-gpu', f'--remote-debugging-port={port}',
                             f'--user-data-dir={prof}', f'--window-size={width},{height}', 'about:blank'],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try: tabs = json.load(urllib.request.urlopen(f'http://127.0.0.1:{port}/json')); break
            except OSError: time.sleep(0.2)
        ws_url = [t for t in tabs if t['type'] == 'page'][0]['webSocketDebuggerUrl']
        async with websockets.connect(ws_url, max_size=2**26) as ws:
            p = Page(ws)
            await p.call('Page.enable'); await p.call('Page.navigate', url=url)
            await p.wait("document.querySelectorAll('.noUi-handle').length >= 5 && " + TABLE + ".includes('1-B-1') && "
                         "[...document.querySelectorAll('img')].some(i => i.naturalWidth > 500)")
            before = await p.js(TABLE)
            await p.js("document.querySelectorAll('.noUi-handle')[1].focus()")      # the CDR slider (second)
            await p.key('ArrowRight', 'ArrowRight', 39, steps)
            await p.wait(TABLE + " !== " + json.dumps(before))
            await asyncio.sleep(1.0)                                                # the plot image follows the table
            after = await p.js(TABLE)
            shot = await p.call('Page.captureScreenshot', format='png')
            with open(out, 'wb') as f: f.write(base64.b64decode(shot['data']))
            return before, after
    finally:
        proc.terminate(); proc.wait(); shutil.rmtree(prof, ignore_errors=True)

if __name__ == '__main__':
    import sys
    print(asyncio.run(drive(sys.argv[1], sys.argv[2])))

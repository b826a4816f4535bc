"""A small Chrome DevTools Protocol client for the HTML report's tests:
starts Debian's headless chromium with --remote-debugging-port, talks to
one page over a websocket (PyPI websocket-client), and records console
errors, uncaught exceptions, JavaScript dialogs and network requests."""
import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def find_browser():
    for b in BROWSERS:
        path = shutil.which(b)
        if path:
            return path
    return None


class Browser:
    def __init__(self, width=1400, height=1000, timeout=60):
        import websocket  # websocket-client

        exe = find_browser()
        if not exe:
            raise RuntimeError("no chromium on PATH (Debian: apt-get install chromium)")
        self.profile_dir = tempfile.mkdtemp(prefix="lento-chromium-")
        self.proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--no-default-browser-check", "--disable-dev-shm-usage",
             "--disable-extensions", "--disable-background-networking",
             "--remote-debugging-port=0", "--remote-allow-origins=*",
             "--user-data-dir=" + self.profile_dir,
             "--window-size=%d,%d" % (width, height), "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        port = None
        deadline = time.time() + timeout
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            m = re.search(r"DevTools listening on ws://[^:]+:(\d+)/", line)
            if m:
                port = int(m.group(1))
                break
        if not port:
            self.close()
            raise RuntimeError("chromium did not start its DevTools endpoint")
        with urllib.request.urlopen("http://127.0.0.1:%d/json" % port, timeout=timeout) as r:
            targets = json.load(r)
        page = [t for t in targets if t.get("type") == "page"][0]
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=timeout,
                                              suppress_origin=True)
        self.next_id = 0
        self.events = []
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(domain + ".enable")

    def call(self, method, **params):
        self.next_id += 1
        my = self.next_id
        self.ws.send(json.dumps({"id": my, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my:
                if "error" in msg:
                    raise RuntimeError("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)
                if msg["method"] == "Page.javascriptDialogOpening":
                    # never leave a dialog open: it would block the page
                    self.ws.send(json.dumps({"id": 0, "method": "Page.handleJavaScriptDialog",
                                             "params": {"accept": True}}))

    def eval(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError("evaluating %r: %s" % (expr, r["exceptionDetails"]))
        return r["result"].get("value")

    def load(self, path, timeout=60):
        self.call("Page.navigate", url="file://" + os.path.abspath(path))
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.eval("document.readyState") == "complete" and \
                    self.eval("document.body && document.body.getAttribute('data-ready')") == "1":
                return
            if self.errors():
                return
            time.sleep(0.05)
        raise RuntimeError("the page did not finish rendering in %ss" % timeout)

    def click(self, x, y):
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left",
                      clickCount=1 if kind != "mouseMoved" else 0)

    def click_element(self, selector, dx=None, dy=None):
        """Scrolls the element into view and clicks it like a user (at its
        centre, or at dx, dy from its top left)."""
        r = self.eval("(function(){var e=document.querySelector(%s);e.scrollIntoView({block:'center'});"
                      "var r=e.getBoundingClientRect();return [r.left,r.top,r.width,r.height];})()"
                      % json.dumps(selector))
        x = r[0] + (r[2] / 2 if dx is None else dx)
        y = r[1] + (r[3] / 2 if dy is None else dy)
        self.click(x, y)

    def screenshot(self, path):
        data = base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])
        with open(path, "wb") as f:
            f.write(data)
        return data

    def errors(self):
        out = []
        for e in self.events:
            m, p = e["method"], e.get("params", {})
            if m == "Runtime.exceptionThrown":
                out.append("exception: %s" % p["exceptionDetails"])
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append("console.%s: %s" % (p["type"], p.get("args")))
            elif m == "Log.entryAdded" and p["entry"].get("level") == "error":
                out.append("log: %s" % p["entry"].get("text"))
        return out

    def dialogs(self):
        return [e["params"] for e in self.events if e["method"] == "Page.javascriptDialogOpening"]

    def requests(self):
        return [e["params"]["request"]["url"] for e in self.events
                if e["method"] == "Network.requestWillBeSent"]

    def close(self):
        try:
            if getattr(self, "ws", None):
                self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            shutil.rmtree(self.profile_dir, ignore_errors=True)

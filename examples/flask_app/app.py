"""A Flask app (Debian's python3-flask): appserver --http :8000 --module app:app --chdir examples/flask_app"""
import time

from flask import Flask, Response, jsonify, make_response, redirect, request

app = Flask(__name__)


@app.get("/")
def index():
    return "Hello from Flask on appserver\n"


@app.get("/api/status")
def status():
    return jsonify(status="ok", server="appserver", items=[{"id": i, "name": f"item {i}"} for i in range(10)])


@app.post("/api/echo")
def echo_json():
    data = request.get_json(force=True)
    return jsonify(received=data, count=len(data) if hasattr(data, "__len__") else None)


@app.post("/upload")
def upload():
    f = request.files["file"]
    content = f.read()
    return jsonify(filename=f.filename, size=len(content), field=request.form.get("note"))


@app.get("/old")
def old():
    return redirect("/", code=302)


@app.get("/cookie/set")
def set_cookie():
    resp = make_response("cookie set\n")
    resp.set_cookie("flavour", "oatmeal")
    return resp


@app.get("/cookie/get")
def get_cookie():
    return jsonify(flavour=request.cookies.get("flavour"))


@app.get("/stream")
def stream():
    def generate():
        for i in range(5):
            yield f"line {i}\n"
            time.sleep(0.01)
    return Response(generate(), mimetype="text/plain")

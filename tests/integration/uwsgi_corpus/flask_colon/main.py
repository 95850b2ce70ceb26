from flask import Flask, request

app = Flask(__name__)


@app.route("/items/<int:item_id>")
def item(item_id):
    return f"main:app {request.method} item {item_id} for {request.remote_addr}"

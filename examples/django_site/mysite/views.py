"""A page rendered from a template, without the database: what bench/scenarios.py measures."""
from django.shortcuts import render


def hello(request):
    items = [{"name": f"item {i}", "price": i * 3} for i in range(20)]
    return render(request, "hello.html", {"title": "appserver", "items": items})

"""Debug mode in action: the reloader and the interactive debugger.

    kolben --app examples.debugging run --debug

Open http://127.0.0.1:5000/. Follow the second link: the view divides by
zero and the debugger shows the traceback. Enter the token that
``kolben run`` printed in the terminal to unlock a Python console in each
frame (try ``order`` or ``total / 2``). Edit this file and save: the server
restarts and the next page shows the change.
"""

from __future__ import annotations

from kolben import Kolben, url_for

app = Kolben(__name__)

ORDERS = {
    1: {"item": "Erlenmeyer flask", "quantity": 4, "price": 12.5},
    2: {"item": "Beaker", "quantity": 0, "price": 4.0},
}


@app.route("/")
def index() -> str:
    links = "".join(
        f'<li><a href="{url_for("unit_price", order_id=oid)}">unit price of order {oid}</a></li>'
        for oid in ORDERS
    )
    return f"<!doctype html><title>Debugging</title><h1>Orders</h1><ul>{links}</ul>"


@app.route("/orders/<int:order_id>/unit-price")
def unit_price(order_id: int) -> dict[str, object]:
    order = ORDERS[order_id]
    total = order["price"] * order["quantity"]
    per_unit = total / order["quantity"]  # order 2 has no items: ZeroDivisionError
    return {"order": order_id, "item": order["item"], "unit_price": per_unit}

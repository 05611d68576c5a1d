"""See what autograd does on the seed notes' computations: the graph as a text tree (and drawn to
graph.svg when the graphviz package and its `dot` program are installed), then the backward pass node by
node with each node's vector-Jacobian formula.

    python examples/see_autograd.py
"""

import smalltorch as torch
from smalltorch.autograd import graph

# out = mean(3 (x + 2)^2): d out / dx = 6 (x + 2) / 4 = 4.5 at x = 1
x = torch.ones(2, 2, requires_grad=True)
y = x + 2
z = y * y * 3
out = z.mean()

print("The graph of out = mean(3 * (x + 2)^2):")
print(graph.format(out, params={"x": x}, show_saved=True))
print()

drawing = graph.draw(out, params={"x": x}, show_saved=True)
if isinstance(drawing, str):
    print("(install the graphviz package to draw this as an image; the DOT text has", drawing.count("\n"),
          "lines)")
else:
    try:
        drawing.render("graph", format="svg", cleanup=True)
        print("graph drawn to graph.svg")
    except Exception as e:  # graphviz's `dot` program is missing
        print(f"(could not render graph.svg: {e})")
print()

print("Backward, node by node:")
with torch.autograd.trace(params={"x": x}) as t:
    out.backward()
print(t.explain())
print()
print("x.grad =", x.grad)
print()

# a non-scalar y: backward(v) computes the vector-Jacobian product v J
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x * 2
v = torch.tensor([0.1, 1.0, 0.0001])
print("y = x * 2 with y.backward(v), v =", v)
with torch.autograd.trace(params={"x": x}) as t:
    y.backward(v)
print(t)
print("x.grad = v J = 2 v =", x.grad)

"""Every code cell of the seed notes (a learner's notes on tensors and autograd),
in order, with `import torch` replaced by `import smalltorch as torch` and
nothing else changed. Its output is what PyTorch 2.x prints for the same code.
"""

import smalltorch as torch

x = torch.ones(2,2, requires_grad=True)
print(x)
print(x.grad_fn)

y = x + 2
print(y)
print(y.grad_fn)
print(x.is_leaf, y.is_leaf)

z = y* y * 3
out = z.mean()
print(z, out)

out.backward()
print(x.grad)
print(y.grad)

out2 = x.sum()
out2.backward()
print(x.grad)

out3 = x.sum()
x.grad.data.zero_() # clear to zero
out3.backward()
print(x.grad)

x = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
y=2*x
z = y.view(2, 2)
print(z)

# 现在 y 不不是⼀一个标量量，所以在调⽤用 backward 时需要传⼊入⼀一个和 y 同
# 形的权向量量进⾏加权求和得到 ⼀一个标量量。
v = torch.tensor([[1.0, 0.1], [0.01, 0.001]], dtype=torch.float)
z.backward(v)
print(x.grad)

# 再来看看中断梯度追踪的例例⼦
x = torch.tensor(1.0, requires_grad=True)
y1=x**2
with torch.no_grad():
    y2 = x ** 3
y3=y1+y2

print(x.requires_grad)
print(y1, y1.requires_grad) # True
print(y2, y2.requires_grad) # False
print(y3, y3.requires_grad) # True

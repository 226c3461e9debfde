# Tensors and autograd basics, in the style of PyTorch's "Tensors" and "Autograd" tutorials.
# tolerance: *=rel:1e-5
import numpy as np
import torch

x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
w = torch.ones(3, 2, dtype=torch.float)
b = torch.zeros(2)
y = x @ w + b
z = (y.pow(2) + torch.sin(y)).mean()
z.backward()
print("METRIC z", z.item())
print("METRIC grad_sum", x.grad.sum().item())
print("METRIC grad_00", x.grad[0, 0].item())

a = torch.linspace(-1, 1, steps=5)
print("METRIC linspace_sum", a.sum().item())
print("METRIC shape_ok", float(a.view(5, 1).shape == (5, 1)))
n = torch.from_numpy(np.arange(6, dtype=np.float32)).reshape(2, 3)
print("METRIC numpy_roundtrip", float(np.array_equal(n.numpy(), np.arange(6).reshape(2, 3))))
print("METRIC max_val", n.max(dim=1).values.sum().item())
print("METRIC argmax", n.argmax(dim=1).sum().item())
print("METRIC std", n.std().item())
print("METRIC cat", torch.cat([n, n], dim=0).shape[0])
print("METRIC equal", float(torch.equal(n, n.clone())))
print("METRIC allclose", float(torch.allclose(n, n + 1e-9)))

# a leaf updated in place under no_grad, as in the tutorials' manual gradient descent
p = torch.tensor([2.0, -3.0], requires_grad=True)
for _ in range(20):
    loss = (p ** 2).sum()
    loss.backward()
    with torch.no_grad():
        p -= 0.1 * p.grad
        p.grad.zero_()
print("METRIC p0", p[0].item())
print("METRIC p_is_leaf", float(p.is_leaf))

q = torch.randn(4, 4)
print("METRIC unsqueeze", float(q.unsqueeze(0).shape == (1, 4, 4)))
print("METRIC detach_grad", float(x.detach().requires_grad))
with torch.no_grad():
    r = x * 2
print("METRIC no_grad", float(r.requires_grad))

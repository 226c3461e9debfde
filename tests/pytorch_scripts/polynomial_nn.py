# nn.Sequential with a manual gradient step, as in PyTorch's "nn module" tutorial (fit sin with a cubic), then the
# same with optim.RMSprop. Weights are set deterministically, so both runs agree to rounding.
# tolerance: *=rel:1e-4 bias=abs:1e-6 w1=abs:1e-6
import math

import torch

x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)
p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)

model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
with torch.no_grad():
    model[0].weight.fill_(0.0)
    model[0].bias.zero_()
loss_fn = torch.nn.MSELoss(reduction="sum")
learning_rate = 1e-6
for t in range(300):
    y_pred = model(xx)
    loss = loss_fn(y_pred, y)
    model.zero_grad()
    loss.backward()
    with torch.no_grad():
        for param in model.parameters():
            param -= learning_rate * param.grad
print("METRIC sgd_loss", loss.item())
linear_layer = model[0]
print("METRIC w1", linear_layer.weight[:, 0].item())
print("METRIC bias", linear_layer.bias.item())

model2 = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
with torch.no_grad():
    model2[0].weight.copy_(torch.tensor([[0.1, 0.0, -0.01]]))
    model2[0].bias.fill_(0.0)
optimizer = torch.optim.RMSprop(model2.parameters(), lr=1e-3)
for t in range(300):
    loss = loss_fn(model2(xx), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print("METRIC rmsprop_loss", loss.item())
print("METRIC n_params", sum(p.numel() for p in model2.parameters()))

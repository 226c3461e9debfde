# Saving and loading a general checkpoint, as in PyTorch's "Saving and loading a general checkpoint" recipe:
# torch.save of a dict with the epoch, the model's and optimizer's state_dicts and the loss; torch.load; resume.
# tolerance: *=rel:1e-5 loss_after=abs:0.05 loss_before=abs:0.5
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 16)
        self.fc2 = nn.Linear(16, 1)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


rng = np.random.default_rng(0)
x = torch.tensor(rng.standard_normal((64, 4)).astype(np.float32))
y = (x.sum(dim=1, keepdim=True) > 0).float()
net = Net()
optimizer = optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
criterion = nn.BCEWithLogitsLoss()
for epoch in range(30):
    optimizer.zero_grad()
    loss = criterion(net(x), y)
    loss.backward()
    optimizer.step()
print("METRIC loss_before", loss.item())

path = os.path.join(tempfile.mkdtemp(), "model.pt")
torch.save({"epoch": epoch, "model_state_dict": net.state_dict(), "optimizer_state_dict": optimizer.state_dict(),
            "loss": loss.item(), "note": "general checkpoint"}, path)

model = Net()
opt2 = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
checkpoint = torch.load(path, weights_only=True)
model.load_state_dict(checkpoint["model_state_dict"])
opt2.load_state_dict(checkpoint["optimizer_state_dict"])
print("METRIC epoch", checkpoint["epoch"])
print("METRIC same_loss", float(abs(checkpoint["loss"] - loss.item()) < 1e-6))
print("METRIC note_ok", float(checkpoint["note"] == "general checkpoint"))
print("METRIC weights_equal", float(all(torch.equal(a, b) for a, b in zip(net.parameters(), model.parameters()))))
model.train()
for epoch in range(checkpoint["epoch"] + 1, 60):
    opt2.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    opt2.step()
print("METRIC loss_after", loss.item())
torch.save(model.state_dict(), path)
again = Net()
again.load_state_dict(torch.load(path))
again.eval()
with torch.no_grad():
    print("METRIC reload_equal", float(torch.allclose(again(x), model(x))))

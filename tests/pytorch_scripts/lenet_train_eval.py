# A LeNet-style CNN trained with a train/test loop, in the style of pytorch/examples' mnist/main.py: DataLoader,
# model.train()/eval(), F.nll_loss on log_softmax, no_grad, argmax/eq/view_as/sum/item, a StepLR schedule.
# The data are noisy class templates made with NumPy (both runs see the same images); the weights start from each
# library's own random numbers, so only what both must reach is compared.
# tolerance: test_accuracy=min:0.9 train_loss=abs:0.35 test_accuracy=abs:0.1
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, 1)
        self.conv2 = nn.Conv2d(8, 16, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.fc1 = nn.Linear(16 * 6 * 6, 64)
        self.fc2 = nn.Linear(64, 4)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return F.log_softmax(self.fc2(x), dim=1)


def make_data(n, rng, templates):
    labels = rng.integers(0, 4, n)
    images = templates[labels] + 0.6 * rng.standard_normal((n, 1, 16, 16))
    return torch.tensor(images.astype(np.float32)), torch.tensor(labels)


def train(model, device, loader, optimizer):
    model.train()
    total = 0.0
    for data, target in loader:
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(data)
    return total / len(loader.dataset)


def test(model, device, loader):
    model.eval()
    test_loss, correct = 0.0, 0
    with torch.no_grad():
        for data, target in loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction="sum").item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    return test_loss / len(loader.dataset), correct / len(loader.dataset)


def main():
    torch.manual_seed(1)
    use_accel = torch.accelerator.is_available()
    device = torch.accelerator.current_accelerator() if use_accel else torch.device("cpu")
    rng = np.random.default_rng(0)
    templates = rng.standard_normal((4, 1, 16, 16))
    train_set = TensorDataset(*make_data(1024, rng, templates))
    test_set = TensorDataset(*make_data(256, rng, templates))
    train_loader = DataLoader(train_set, batch_size=64, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=256)
    model = Net().to(device)
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    for epoch in range(1, 4):
        train_loss = train(model, device, train_loader, optimizer)
        test_loss, accuracy = test(model, device, test_loader)
        scheduler.step()
    print("METRIC train_loss", train_loss)
    print("METRIC test_accuracy", accuracy)


if __name__ == "__main__":
    main()

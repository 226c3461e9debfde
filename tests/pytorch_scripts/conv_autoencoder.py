# A small convolutional autoencoder with ConvTranspose2d, trained with Adam on NumPy-made images (blurred blobs);
# the reconstruction loss must drop far below its start in both runs (random initial weights differ).
# tolerance: ratio=abs:0.2 ratio=max:0.5 out_shape=rel:0
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU(),
        )
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
            nn.ConvTranspose2d(8, 1, 3, stride=2, padding=1, output_padding=1), nn.Sigmoid(),
        )

    def forward(self, x):
        return self.decoder(self.encoder(x))


rng = np.random.default_rng(0)
yy, xx = np.mgrid[0:16, 0:16]
centres = rng.uniform(3, 13, (256, 2))
images = np.exp(-((yy[None] - centres[:, :1, None]) ** 2 + (xx[None] - centres[:, 1:, None]) ** 2) / 8.0)
data = torch.tensor(images[:, None].astype(np.float32))
loader = DataLoader(TensorDataset(data), batch_size=32, shuffle=True)
model = AutoEncoder()
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
criterion = nn.MSELoss()
with torch.no_grad():
    first = criterion(model(data), data).item()
for epoch in range(15):
    for (batch,) in loader:
        optimizer.zero_grad()
        loss = criterion(model(batch), batch)
        loss.backward()
        optimizer.step()
model.eval()
with torch.no_grad():
    out = model(data)
    last = criterion(out, data).item()
print("METRIC ratio", last / first)
print("METRIC out_shape", float(tuple(out.shape) == (256, 1, 16, 16)))

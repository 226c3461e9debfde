# The device and dtype idioms of PyTorch scripts: picking a device, .to(device), dtype conversions and checks,
# comparisons, selection and shape functions. Deterministic.
# tolerance: *=rel:1e-6
import torch

if torch.cuda.is_available():
    device = torch.device("cuda")
elif torch.backends.mps.is_available():
    device = torch.device("mps")
else:
    device = torch.device("cpu")
torch.backends.cudnn.benchmark = True
print("METRIC device_is_cpu", float(device.type == "cpu"))

x = torch.arange(12, dtype=torch.float32).reshape(3, 4).to(device)
print("METRIC on_device", float(x.device == device and str(x.device) == "cpu"))
print("METRIC float_dtype", float(x.dtype == torch.float and x.double().dtype == torch.float64))
print("METRIC long_dtype", float(x.long().dtype == torch.long and x.int().dtype == torch.int32))
print("METRIC type_as", float(torch.ones(2, dtype=torch.long).type_as(x).dtype == torch.float32))
print("METRIC to_other", float(x.to(torch.zeros(1, dtype=torch.float64)).dtype == torch.float64))
print("METRIC half", float(x.half().dtype == torch.half))
print("METRIC bool", float((x > 5).dtype == torch.bool))
print("METRIC cpu_numpy", float(x.cpu().numpy().sum()))

values, indices = x.max(dim=1)
print("METRIC max_values", values.sum().item())
print("METRIC max_indices", indices.sum().item())
top = torch.topk(x.flatten(), 3)
print("METRIC topk", top.values.sum().item())
s, order = torch.sort(torch.tensor([3.0, 1.0, 2.0, 1.0]), descending=True)
print("METRIC sort", (s * torch.arange(4)).sum().item())
print("METRIC gather", torch.gather(x, 1, torch.tensor([[0], [1], [2]])).sum().item())
print("METRIC where", torch.where(x > 5, x, torch.zeros_like(x)).sum().item())
print("METRIC masked_fill", x.masked_fill(x < 3, -1.0).sum().item())
print("METRIC nonzero", torch.nonzero(x > 9).shape[0])
print("METRIC clamp", x.clamp(min=2, max=8).sum().item())
print("METRIC eq", x.eq(x.t().t()).all().item())
print("METRIC isclose", torch.isclose(x, x + 1e-7).sum().item())
print("METRIC chunk", len(torch.chunk(x, 2, dim=1)))
print("METRIC permute", x.unsqueeze(0).permute(2, 0, 1).shape[0])
print("METRIC flatten", x.flatten(0, 1).numel())
print("METRIC stack", torch.stack([x, x]).dim())
print("METRIC cumsum", x.cumsum(dim=0)[-1].sum().item())
print("METRIC norm", x.norm().item())
print("METRIC logsumexp", torch.logsumexp(x, dim=1).sum().item())
print("METRIC var", x.var(dim=0).sum().item())
print("METRIC eye", torch.eye(3).sum().item())
print("METRIC full", torch.full((2, 2), 7.0).sum().item())
print("METRIC logspace", torch.logspace(0, 2, 3).sum().item())
print("METRIC einsum", torch.einsum("ij,kj->ik", x, x).trace().item())
print("METRIC softmax", x.softmax(dim=1)[0, 3].item())
print("METRIC one_hot", torch.nn.functional.one_hot(torch.tensor([0, 2]), num_classes=3).sum().item())
print("METRIC index_select", torch.index_select(x, 0, torch.tensor([0, 2])).sum().item())
print("METRIC repeat", x.repeat(2, 1).shape[0])
print("METRIC split", len(x.split([1, 3], dim=1)))
print("METRIC items", len(x.tolist()))

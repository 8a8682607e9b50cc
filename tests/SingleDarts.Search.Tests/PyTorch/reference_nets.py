"""SingleDarts' own PyTorch definitions of its two evaluation networks, under the state_dict names of the reference code
(quark0/darts, cnn/model.py NetworkCIFAR; D-X-Y/AutoDL-Projects, xautodl/models/cell_infers/tiny_network.py TinyNetwork),
written for the tests from the papers' descriptions and those names — not a copy of that code.

    python3 reference_nets.py darts|nb201 C CELLS CLASSES AUX GENOTYPE MODEL.pt BATCH.pt

builds the network (C channels; darts: CELLS = L cells in all, AUX 1/0 an auxiliary head; nb201: CELLS = N per stage),
loads MODEL.pt with load_state_dict (strict: every name and shape must agree), runs BATCH.pt's "input" in eval mode and
compares the logits with BATCH.pt's "logits" (ours). Prints `max_abs_diff <value>`; exits 0 if within 1e-5, 1 if not.
"""
import collections
import sys

import torch
import torch.nn as nn


def conv(cin, cout, k, stride=1, pad=0, dil=1, groups=1):
    return nn.Conv2d(cin, cout, k, stride, pad, dil, groups, bias=False)


class Named(nn.Module):
    """A module whose one child is `op` (the reference's wrapper of a Sequential)."""
    def __init__(self, op):
        super().__init__()
        self.op = op

    def forward(self, x):
        return self.op(x)


def relu_conv_bn(cin, cout, k, stride, pad):                # op.1 conv, op.2 bn
    return Named(nn.Sequential(nn.ReLU(), conv(cin, cout, k, stride, pad), nn.BatchNorm2d(cout)))


# ---- the DARTS space: NetworkCIFAR --------------------------------------------------------------

class Zero(nn.Module):
    def __init__(self, stride):
        super().__init__()
        self.stride = stride

    def forward(self, x):
        return x[:, :, ::self.stride, ::self.stride].mul(0.)


class FactorizedReduce(nn.Module):                           # conv_1, conv_2, bn
    def __init__(self, cin, cout):
        super().__init__()
        self.conv_1, self.conv_2 = conv(cin, cout // 2, 1, 2), conv(cin, cout // 2, 1, 2)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        x = torch.relu(x)
        return self.bn(torch.cat([self.conv_1(x), self.conv_2(x[:, :, 1:, 1:])], dim=1))


def darts_op(name, c, stride):
    if name == "none":
        return Zero(stride)
    if name == "skip_connect":
        return nn.Identity() if stride == 1 else FactorizedReduce(c, c)
    if name == "max_pool_3x3":
        return nn.MaxPool2d(3, stride, 1)
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride, 1, count_include_pad=False)
    kind, k = name[:8], int(name[-1])
    if kind == "sep_conv":                                   # op.1-3 first block, op.5-7 second
        return Named(nn.Sequential(nn.ReLU(), conv(c, c, k, stride, k // 2, groups=c), conv(c, c, 1), nn.BatchNorm2d(c),
                                   nn.ReLU(), conv(c, c, k, 1, k // 2, groups=c), conv(c, c, 1), nn.BatchNorm2d(c)))
    if kind == "dil_conv":                                   # op.1 depthwise (dilation 2), op.2 pointwise, op.3 bn
        return Named(nn.Sequential(nn.ReLU(), conv(c, c, k, stride, k - 1, 2, groups=c), conv(c, c, 1), nn.BatchNorm2d(c)))
    raise ValueError(name)


class DartsCell(nn.Module):
    def __init__(self, genes, cpp, cp, c, reduction, reduction_prev):
        super().__init__()
        self.preprocess0 = FactorizedReduce(cpp, c) if reduction_prev else relu_conv_bn(cpp, c, 1, 1, 0)
        self.preprocess1 = relu_conv_bn(cp, c, 1, 1, 0)
        self._ops = nn.ModuleList(darts_op(op, c, 2 if reduction and i < 2 else 1) for op, i in genes)
        self.inputs = [i for _, i in genes]

    def forward(self, s0, s1):
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        for node in range(4):
            a, b = 2 * node, 2 * node + 1
            states.append(self._ops[a](states[self.inputs[a]]) + self._ops[b](states[self.inputs[b]]))
        return torch.cat(states[2:], dim=1)


class NetworkCIFAR(nn.Module):
    def __init__(self, c, classes, layers, auxiliary, genotype):
        super().__init__()
        self.stem = nn.Sequential(conv(3, 3 * c, 3, 1, 1), nn.BatchNorm2d(3 * c))
        cpp, cp, cur, reduction_prev, cells = 3 * c, 3 * c, c, False, []
        for i in range(layers):
            reduction = i in (layers // 3, 2 * layers // 3)
            cur *= 2 if reduction else 1
            cells.append(DartsCell(genotype.reduce if reduction else genotype.normal, cpp, cp, cur, reduction, reduction_prev))
            reduction_prev, cpp, cp = reduction, cp, 4 * cur
            if i == 2 * layers // 3:
                to_auxiliary = cp
        self.cells = nn.ModuleList(cells)
        if auxiliary:                                        # features.2/.3/.5/.6, classifier; training only
            self.auxiliary_head = nn.Module()
            self.auxiliary_head.features = nn.Sequential(nn.ReLU(), nn.AvgPool2d(5, 3, 0, count_include_pad=False),
                                                         conv(to_auxiliary, 128, 1), nn.BatchNorm2d(128), nn.ReLU(),
                                                         conv(128, 768, 2), nn.BatchNorm2d(768), nn.ReLU())
            self.auxiliary_head.classifier = nn.Linear(768, classes)
        self.classifier = nn.Linear(cp, classes)

    def forward(self, x):                                    # eval mode: no drop-path, no auxiliary logits
        s0 = s1 = self.stem(x)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1)
        return self.classifier(torch.flatten(nn.functional.adaptive_avg_pool2d(s1, 1), 1))


# ---- the NAS-Bench-201 space: TinyNetwork ------------------------------------------------------

class InferCell(nn.Module):
    def __init__(self, arch, c):
        super().__init__()
        nodes = [[(op.split("~")[0], int(op.split("~")[1])) for op in node.strip("|").split("|")] for node in arch.split("+")]
        self.edges = [(to + 1, i) for to, node in enumerate(nodes) for _, i in node]
        self.layers = nn.ModuleList(self.op(name, c) for node in nodes for name, _ in node)

    @staticmethod
    def op(name, c):
        return {"none": lambda: Zero(1), "skip_connect": nn.Identity,
                "avg_pool_3x3": lambda: nn.AvgPool2d(3, 1, 1, count_include_pad=False),
                "nor_conv_1x1": lambda: relu_conv_bn(c, c, 1, 1, 0), "nor_conv_3x3": lambda: relu_conv_bn(c, c, 3, 1, 1)}[name]()

    def forward(self, x):
        nodes = [x]
        for to in range(1, 4):
            nodes.append(sum(layer(nodes[i]) for layer, (t, i) in zip(self.layers, self.edges) if t == to))
        return nodes[-1]


class ResNetBlock(nn.Module):                                # conv_a, conv_b, downsample.1
    def __init__(self, cin, cout):
        super().__init__()
        self.conv_a, self.conv_b = relu_conv_bn(cin, cout, 3, 2, 1), relu_conv_bn(cout, cout, 3, 1, 1)
        self.downsample = nn.Sequential(nn.AvgPool2d(2, 2), conv(cin, cout, 1))

    def forward(self, x):
        return self.conv_b(self.conv_a(x)) + self.downsample(x)


class TinyNetwork(nn.Module):
    def __init__(self, c, n, arch, classes):
        super().__init__()
        self.stem = nn.Sequential(conv(3, c, 3, 1, 1), nn.BatchNorm2d(c))
        cells = []
        for stage in range(3):
            if stage > 0:
                cells.append(ResNetBlock(c, 2 * c))
                c *= 2
            cells += [InferCell(arch, c) for _ in range(n)]
        self.cells = nn.ModuleList(cells)
        self.lastact = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU())
        self.classifier = nn.Linear(c, classes)

    def forward(self, x):
        x = self.stem(x)
        for cell in self.cells:
            x = cell(x)
        return self.classifier(torch.flatten(nn.functional.adaptive_avg_pool2d(self.lastact(x), 1), 1))


def build(space, c, cells, classes, aux, genotype):
    if space == "darts":
        Genotype = collections.namedtuple("Genotype", "normal normal_concat reduce reduce_concat")
        return NetworkCIFAR(c, classes, cells, aux, eval(genotype, {"Genotype": Genotype, "range": range}))
    return TinyNetwork(c, cells, genotype, classes)


def main(space, c, cells, classes, aux, genotype, model_path, batch_path):
    torch.set_num_threads(1)
    net = build(space, int(c), int(cells), int(classes), aux == "1", genotype)
    net.load_state_dict(torch.load(model_path))
    net.eval()
    batch = torch.load(batch_path)
    with torch.no_grad():
        diff = (net(batch["input"]) - batch["logits"]).abs().max().item()
    print("max_abs_diff %.3g" % diff)
    return 0 if diff <= 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))

"""Rewrite all-MiniLM-L6-v2-int8 so that ONNX Runtime multiplies its weights in int8.

Usage: python3 int8_gemm.py IN.onnx OUTLIERS.json OUT.onnx

Run by ./models/fetch (with onnx and numpy installed under models/cache/pylib);
the result is checked against the sha256 in models/manifest.

Why: the model stores each weight as int8 followed by `Cast` and `Mul(scale)`.
ONNX Runtime folds those into fp32 constants when it optimises the graph, so
every embedding streams 42 MB of fp32 weights and the 47 MB word table is
expanded to fp32 (3.3 ms per short prompt on one thread here). This rewrite
keeps the original int8 weights and lets the runtime's int8 GEMM use them:

1. each weight `MatMul(x, Mul(Cast(W_int8), s[1,N]))` and the bias `Add`
   after it become one `com.microsoft.DynamicQuantizeMatMul(x, W_int8, s[N],
   zero_point=0, bias)`: x is quantised to 8 bits per call, per tensor;
2. a few input channels of x carry outliers (|x| up to 30 against a median of
   1.7) that per-tensor quantisation would crush; those channels (listed in
   OUTLIERS.json, picked once from activation maxima over 200 prompts) are
   masked out of the int8 product and added back in fp32:
   `y = DQMM(x * mask) + x[:, O] @ (W[O] * s)`;
3. the word and position tables `Gather(Mul(Cast(E_int8), s), ids)` become
   `Mul(Cast(Gather(E_int8, ids)), Gather(s, ids))`, the same values, so only
   the rows a prompt uses are converted.

4. the `Where(IsNaN(softmax), 0, softmax)` guard after each attention
   softmax is dropped: it only matters for a query row whose keys are all
   masked, and every row has at least the [CLS] key (the outputs are
   bit-identical; 5-7% faster).

5. each layer's attention (the Q/K/V reshapes and transposes, the scaled
   `MatMul`, the additive mask, `Softmax`, the `MatMul` with V and the
   reshape back) becomes one `com.microsoft.MultiHeadAttention` (12 heads,
   the default 1/sqrt(32) scale, the attention mask as its key padding
   mask): 5-10% faster.

6. each layer's exact GELU, `x * (0.5 * (1 + Erf(x / sqrt(2))))` in five
   nodes, becomes one `com.microsoft.Gelu` (the runtime's own fusion does not
   match this order of the factors): 5% faster.

Embeddings change a little: cosine to the original model's is at least 0.998
on held-out prompts. The rewrite is deterministic: the same input and the same
onnx version give the same bytes.
"""

from __future__ import annotations

import collections
import json
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# The six weight MatMuls of each layer, in graph order.
ROLES = ["Q", "K", "V", "O", "F1", "F2"]


def links(graph: onnx.GraphProto) -> tuple[dict[str, onnx.NodeProto], dict[str, list[onnx.NodeProto]]]:
    """The node that makes each tensor, and the nodes that read it."""
    producer = {o: n for n in graph.node for o in n.output}
    consumers: dict[str, list[onnx.NodeProto]] = collections.defaultdict(list)
    for node in graph.node:
        for name in node.input:
            consumers[name].append(node)
    return producer, consumers


def rewrite(model: onnx.ModelProto, outliers: dict[str, list[int]]) -> int:
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    producer, consumers = links(graph)

    drop: set[int] = set()
    replace: dict[int, list[onnx.NodeProto]] = {}
    new_inits: list[onnx.TensorProto] = []
    splits: dict[tuple[str, tuple[int, ...]], tuple[str, str]] = {}
    index = -1
    for node in list(graph.node):
        if node.op_type != "MatMul":
            continue
        mul = producer.get(node.input[1])
        if mul is None or mul.op_type != "Mul" or len(consumers[mul.output[0]]) != 1:
            continue
        cast = next(
            (producer[x] for x in mul.input if x in producer and producer[x].op_type == "Cast"),
            None,
        )
        if cast is None or cast.input[0] not in inits:
            continue
        weight = inits[cast.input[0]]
        if weight.data_type != TensorProto.INT8 or len(consumers[cast.output[0]]) != 1:
            continue
        scale_name = next(x for x in mul.input if x != cast.output[0])
        if scale_name not in inits:
            continue
        k_dim, n_dim = weight.dims
        scale = numpy_helper.to_array(inits[scale_name]).astype(np.float32)
        if scale.size != n_dim:
            continue
        index += 1
        name = f"L{index // 6}.{ROLES[index % 6]}"
        prefix = node.name or node.output[0]
        drop |= {id(mul), id(cast)}

        scale_init = numpy_helper.from_array(scale.reshape(n_dim), prefix + "_wscale")
        zero_point = numpy_helper.from_array(np.zeros(n_dim, np.int8), prefix + "_wzp")
        new_inits += [scale_init, zero_point]

        x, y = node.input[0], node.output[0]
        before: list[onnx.NodeProto] = []
        channels = outliers.get(name, [])
        if channels:
            chosen = np.array(sorted(channels), dtype=np.int64)
            key = (x, tuple(chosen.tolist()))
            if key not in splits:
                q = f"{x}_o{len(splits)}"
                mask = np.ones(k_dim, np.float32)
                mask[chosen] = 0
                new_inits += [
                    numpy_helper.from_array(chosen, q + "_idx"),
                    numpy_helper.from_array(mask, q + "_mask"),
                ]
                before = [
                    helper.make_node("Gather", [x, q + "_idx"], [q + "_xo"], axis=-1, name=q + "_gather"),
                    helper.make_node("Mul", [x, q + "_mask"], [q + "_xr"], name=q + "_mask"),
                ]
                splits[key] = (q + "_xo", q + "_xr")
            x_outliers, x_rest = splits[key]
            w_outliers = numpy_helper.to_array(weight)[chosen].astype(np.float32) * scale.reshape(1, n_dim)
            new_inits.append(numpy_helper.from_array(w_outliers.astype(np.float32), prefix + "_wout"))
            x = x_rest

        inputs = [x, weight.name, scale_init.name, zero_point.name]
        add = consumers[y][0] if len(consumers[y]) == 1 and consumers[y][0].op_type == "Add" else None
        bias = next((z for z in add.input if z in inits), None) if add else None
        if bias is not None and tuple(inits[bias].dims) == (n_dim,):
            inputs.append(bias)
            drop.add(id(add))
            y = add.output[0]

        if channels:
            replace[id(node)] = before + [
                helper.make_node(
                    "DynamicQuantizeMatMul", inputs, [y + "_q"], name=prefix + "_dqmm", domain="com.microsoft"
                ),
                helper.make_node("MatMul", [x_outliers, prefix + "_wout"], [prefix + "_yo"], name=prefix + "_mmout"),
                helper.make_node("Add", [y + "_q", prefix + "_yo"], [y], name=prefix + "_addout"),
            ]
        else:
            replace[id(node)] = [
                helper.make_node("DynamicQuantizeMatMul", inputs, [y], name=prefix + "_dqmm", domain="com.microsoft")
            ]
    rewritten = index + 1

    # Embedding tables: gather the int8 rows, then scale them.
    for node in graph.node:
        if node.op_type != "Gather":
            continue
        mul = producer.get(node.input[0])
        if not mul or mul.op_type != "Mul":
            continue
        cast = next(
            (producer[x] for x in mul.input if x in producer and producer[x].op_type == "Cast"),
            None,
        )
        if not cast or cast.input[0] not in inits:
            continue
        scale_name = next(x for x in mul.input if x != cast.output[0])
        if scale_name not in inits or len(consumers[mul.output[0]]) != 1:
            continue
        prefix = node.name or node.output[0]
        ids = node.input[1]
        drop |= {id(mul), id(cast)}
        replace[id(node)] = [
            helper.make_node("Gather", [cast.input[0], ids], [prefix + "_q"], axis=0, name=prefix + "_gq"),
            helper.make_node("Cast", [prefix + "_q"], [prefix + "_f"], to=TensorProto.FLOAT, name=prefix + "_cast"),
            helper.make_node("Gather", [scale_name, ids], [prefix + "_s"], axis=0, name=prefix + "_gs"),
            helper.make_node("Mul", [prefix + "_f", prefix + "_s"], [node.output[0]], name=prefix + "_mul"),
        ]

    # NaN guards after the attention softmaxes.
    renamed: dict[str, str] = {}
    for node in graph.node:
        if node.op_type != "IsNaN" or producer.get(node.input[0]) is None:
            continue
        softmax = producer[node.input[0]]
        guards = [w for w in consumers[node.output[0]] if w.op_type == "Where"]
        if softmax.op_type != "Softmax" or len(guards) != 1 or len(consumers[node.output[0]]) != 1:
            continue
        guard = guards[0]
        if guard.input[2] != softmax.output[0]:
            continue
        drop |= {id(node), id(guard)}
        renamed[guard.output[0]] = softmax.output[0]

    nodes = []
    for node in graph.node:
        if id(node) not in drop:
            nodes.extend(replace.get(id(node), [node]))
    for node in nodes:
        for i, name in enumerate(node.input):
            if name in renamed:
                node.input[i] = renamed[name]
    del graph.node[:]
    graph.node.extend(nodes)
    graph.initializer.extend(new_inits)
    fuse_attention(model)
    fuse_gelu(model)
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    used = {x for n in graph.node for x in n.input}
    keep = [i for i in graph.initializer if i.name in used]
    del graph.initializer[:]
    graph.initializer.extend(keep)
    return rewritten


def fuse_attention(model: onnx.ModelProto) -> int:
    """Replaces each layer's unfused attention with one MultiHeadAttention node."""
    graph = model.graph
    producer, consumers = links(graph)

    def made_by(name: str, op: str) -> onnx.NodeProto | None:
        node = producer.get(name)
        return node if node is not None and node.op_type == op else None

    def projection(name: str) -> str | None:
        """The [batch, sequence, hidden] tensor a head view was made from."""
        node = producer.get(name)
        while node is not None and node.op_type in ("Transpose", "Reshape", "Mul"):
            source = producer.get(node.input[0])
            if node.op_type == "Reshape" and (source is None or source.op_type in ("Add", "DynamicQuantizeMatMul")):
                return node.input[0]
            node = source
        return None

    mask = "distiq_key_padding_mask"
    fused: dict[int, onnx.NodeProto] = {}
    for softmax in [n for n in graph.node if n.op_type == "Softmax"]:
        after = [c for c in consumers[softmax.output[0]] if c.op_type == "MatMul"]
        scores = made_by(softmax.input[0], "Add")
        if len(after) != 1 or scores is None:
            continue
        transpose = consumers[after[0].output[0]]
        if len(transpose) != 1 or transpose[0].op_type != "Transpose":
            continue
        reshape = consumers[transpose[0].output[0]]
        if len(reshape) != 1 or reshape[0].op_type != "Reshape":
            continue
        product = next((made_by(x, "MatMul") for x in scores.input if made_by(x, "MatMul")), None)
        if product is None:
            continue
        query, key = projection(product.input[0]), projection(product.input[1])
        value = projection(after[0].input[1])
        if None in (query, key, value):
            continue
        fused[id(reshape[0])] = helper.make_node(
            "MultiHeadAttention", [query, key, value, "", mask], [reshape[0].output[0]],
            domain="com.microsoft", num_heads=12, name=f"{softmax.name or softmax.output[0]}_mha",
        )
    if not fused:
        return 0
    cast = helper.make_node("Cast", ["attention_mask"], [mask], to=TensorProto.INT32, name="distiq_mask_cast")
    nodes = [cast] + [fused.get(id(n), n) for n in graph.node]
    # Drop what no output needs any more (the old attention subgraphs).
    needed = {o.name for o in graph.output}
    alive = []
    for node in reversed(nodes):
        if any(o in needed for o in node.output):
            alive.append(node)
            needed |= {x for x in node.input if x}
    alive.reverse()
    del graph.node[:]
    graph.node.extend(alive)
    return len(fused)


def fuse_gelu(model: onnx.ModelProto) -> int:
    """Replaces each `x * (0.5 * (1 + Erf(x / sqrt(2))))` with one Gelu node."""
    graph = model.graph
    # Only the scalars: converting every weight to numpy would copy 23 MB.
    scalars = {i.name: numpy_helper.to_array(i) for i in graph.initializer if int(np.prod(i.dims)) == 1}
    producer, consumers = links(graph)

    def constant(node: onnx.NodeProto, value: float) -> str | None:
        """The input of `node` that is not the scalar constant `value`."""
        others = [x for x in node.input if not (x in scalars and np.isclose(scalars[x], value))]
        return others[0] if len(others) == 1 else None

    def only(name: str, op: str) -> onnx.NodeProto | None:
        after = consumers[name]
        return after[0] if len(after) == 1 and after[0].op_type == op else None

    drop: set[int] = set()
    fused: dict[int, onnx.NodeProto] = {}
    for erf in [n for n in graph.node if n.op_type == "Erf"]:
        div = producer.get(erf.input[0])
        if div is None or div.op_type != "Div" or constant(div, np.sqrt(2.0)) != div.input[0]:
            continue
        x = div.input[0]
        add = only(erf.output[0], "Add")
        half = add and only(add.output[0], "Mul")
        times_x = half and only(half.output[0], "Mul")
        if not (add and constant(add, 1.0) and half and constant(half, 0.5) and times_x and x in times_x.input):
            continue
        drop |= {id(div), id(erf), id(add), id(half)}
        fused[id(times_x)] = helper.make_node(
            "Gelu", [x], [times_x.output[0]], domain="com.microsoft", name=f"{erf.name or erf.output[0]}_gelu"
        )
    nodes = [fused.get(id(n), n) for n in graph.node if id(n) not in drop]
    del graph.node[:]
    graph.node.extend(nodes)
    return len(fused)


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    source, outliers_file, target = argv
    model = onnx.load(source)
    with open(outliers_file) as handle:
        outliers = json.load(handle)
    count = rewrite(model, outliers)
    if count != 36:
        print(f"int8_gemm.py: expected 36 weight MatMuls in {source}, found {count}", file=sys.stderr)
        return 1
    onnx.save(model, target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

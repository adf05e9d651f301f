"""Train a ViT-Lite: the Softmax teacher, or a baseline with one kind everywhere.

    /usr/bin/python3 -m mpcvit.train --out runs/teacher --epochs 20
    /usr/bin/python3 -m mpcvit.train --out runs/all-scale --attn scale \\
        --init runs/teacher/checkpoint.pt --epochs 3 --lr 5e-4
    /usr/bin/python3 -m mpcvit.train --out runs/mpcformer --attn 2quad --gelu quad \\
        --init runs/teacher/checkpoint.pt --teacher runs/teacher/checkpoint.pt

Every head gets ``--attn`` and every layer ``--gelu`` (or ``--arch FILE``).
``--init`` starts from another checkpoint's weights (kinds may differ);
``--teacher`` adds distillation (engine.kd_loss: logit KD at T=1 + token MSE).
Writes ``<out>/checkpoint.pt`` (resumable) and ``<out>/log.jsonl``.
"""

import argparse
import sys

from . import arch as arch_mod
from . import engine
from .model import ATTN_KINDS, ViTLite


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m mpcvit.train",
                                description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    engine.add_common_args(p, epochs=20, lr=1e-3)
    engine.add_kd_args(p)
    p.add_argument("--attn", default="softmax", choices=ATTN_KINDS,
                   help="attention kind of every head (default: softmax)")
    p.add_argument("--gelu", default="gelu", choices=["gelu", "quad"],
                   help="GeLU kind of every layer (default: gelu)")
    p.add_argument("--arch", help="arch.json to apply instead of --attn/--gelu")
    p.add_argument("--init", help="checkpoint whose weights to start from")
    args = p.parse_args(argv)

    engine.setup_torch(args.threads, args.seed)
    data = engine.load_data(args)
    model = ViTLite(args.config).set_all(args.attn, args.gelu)
    upstream = 0.0
    if args.init:
        upstream = engine.init_weights(model, args.init)
        model.set_all(args.attn, args.gelu)
    if args.arch:
        try:
            model.apply_arch(arch_mod.load(args.arch, model.model_info()))
        except arch_mod.ArchError as e:
            raise SystemExit(f"error: {e}")
    teacher = engine.load_model(args.teacher).eval() if args.teacher else None
    recipe = {"script": "mpcvit.train", "argv": sys.argv[1:] if argv is None else list(argv),
              "epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr,
              "wd": args.wd, "label_smoothing": args.label_smoothing,
              "augment": not args.no_augment, "init": args.init, "teacher": args.teacher,
              "kd": None if teacher is None else {"T": args.kd_temp, "w_kd": args.kd_weight,
                                                  "w_tok": args.tok_weight}}
    ck = engine.fit(model, args, data, recipe, engine.make_loss(args, teacher),
                    meta={"upstream_s": upstream})
    print(f"done: test top-1 {ck['test_top1']:.2f}% after {ck['elapsed_s']:.0f} s "
          f"-> {args.out}/checkpoint.pt", flush=True)


if __name__ == "__main__":
    main()

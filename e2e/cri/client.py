#!/usr/bin/python3
"""A small CRI client for e2e/run.sh, in the manner of crictl (which Debian 12 lacks).

It speaks runtime.v1.RuntimeService over a unix socket to containerd's CRI plugin, the
way kubelet does, with the subset of the API in cri.proto. The Python stubs are made
from cri.proto at test time with grpc_tools.protoc into the directory given by --stubs.

    client.py --socket SOCK --stubs DIR COMMAND ...

Commands print what a test needs on stdout and fail (exit 1, message on stderr) when
the runtime returns an error; `exec` exits with the status of the command it ran.
"""
import argparse
import json
import os
import sys
import time


def load_stubs(stubs):
    """Generates cri_pb2 and cri_pb2_grpc into STUBS once, then imports them."""
    here = os.path.dirname(os.path.abspath(__file__))
    if not os.path.exists(os.path.join(stubs, "cri_pb2_grpc.py")):
        from grpc_tools import protoc
        os.makedirs(stubs, exist_ok=True)
        rc = protoc.main(["protoc", "-I" + here, "--python_out=" + stubs, "--grpc_python_out=" + stubs,
                          os.path.join(here, "cri.proto")])
        if rc != 0:
            sys.exit("cri: protoc failed on cri.proto")
    sys.path.insert(0, stubs)
    import cri_pb2
    import cri_pb2_grpc
    return cri_pb2, cri_pb2_grpc


def main():
    parser = argparse.ArgumentParser(prog="client.py")
    parser.add_argument("--socket", required=True, help="containerd's socket (CRI is served on it)")
    parser.add_argument("--stubs", required=True, help="directory for the generated Python stubs")
    parser.add_argument("--rpc-timeout", type=float, default=30, help="seconds per call")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("version")
    sub.add_parser("status")
    p = sub.add_parser("runp", help="run a pod sandbox; prints its id")
    p.add_argument("--handler", default="", help="runtime_handler (a runtime in containerd's CRI config)")
    p.add_argument("--log-dir", required=True)
    p.add_argument("--cgroup-parent", default="")
    p.add_argument("--annotation", action="append", default=[], metavar="KEY=VALUE",
                   help="a pod annotation (containerd passes those its runtime lists to the OCI configs)")
    p.add_argument("--config-out", required=True, help="where to keep the pod config for `create`")
    p.add_argument("name")
    p = sub.add_parser("create", help="create a container in a pod; prints its id")
    p.add_argument("--pod-config", required=True, help="the file `runp --config-out` wrote")
    p.add_argument("pod")
    p.add_argument("name")
    p.add_argument("image")
    p.add_argument("cmd", nargs=argparse.REMAINDER)
    for name in ("start", "inspect", "logs", "stopp", "rmp", "inspectp", "rm"):
        sub.add_parser(name).add_argument("id")
    p = sub.add_parser("stop")
    p.add_argument("--timeout", dest="grace", type=int, default=0)
    p.add_argument("id")
    p = sub.add_parser("wait", help="wait until the container has exited; prints its exit code")
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("id")
    p = sub.add_parser("exec", help="ExecSync: relays the output, exits with the command's status")
    p.add_argument("--seconds", type=int, default=30)
    p.add_argument("id")
    p.add_argument("cmd", nargs=argparse.REMAINDER)
    sub.add_parser("pods")
    sub.add_parser("ps")
    sub.add_parser("cleanup", help="stop and remove every pod (and so its containers)")
    args = parser.parse_args()

    pb, rpc = load_stubs(args.stubs)
    import grpc
    from google.protobuf import text_format
    channel = grpc.insecure_channel("unix://" + os.path.abspath(args.socket))
    runtime = rpc.RuntimeServiceStub(channel)
    t = args.rpc_timeout

    def container_status(cid, verbose=False):
        return runtime.ContainerStatus(pb.ContainerStatusRequest(container_id=cid, verbose=verbose), timeout=t)

    try:
        if args.command == "version":
            v = runtime.Version(pb.VersionRequest(version="v1"), timeout=t)
            print(v.runtime_name, v.runtime_version, v.runtime_api_version)
        elif args.command == "status":
            for c in runtime.Status(pb.StatusRequest(), timeout=t).status.conditions:
                print(c.type, c.status, c.reason, c.message)
        elif args.command == "runp":
            # Host network: no CNI is needed (nor set up) for the pod.
            node = pb.NamespaceOption(network=pb.NODE, pid=pb.POD, ipc=pb.POD)
            config = pb.PodSandboxConfig(
                metadata=pb.PodSandboxMetadata(name=args.name, uid=args.name + "-uid", namespace="hako-e2e"),
                log_directory=os.path.abspath(args.log_dir),
                annotations=dict(a.split("=", 1) for a in args.annotation),
                linux=pb.LinuxPodSandboxConfig(
                    cgroup_parent=args.cgroup_parent,
                    security_context=pb.LinuxSandboxSecurityContext(namespace_options=node)))
            # kubelet passes the pod's config again with each CreateContainer.
            with open(args.config_out, "w") as f:
                f.write(text_format.MessageToString(config))
            r = runtime.RunPodSandbox(pb.RunPodSandboxRequest(config=config, runtime_handler=args.handler), timeout=t)
            print(r.pod_sandbox_id)
        elif args.command == "inspectp":
            s = runtime.PodSandboxStatus(pb.PodSandboxStatusRequest(pod_sandbox_id=args.id), timeout=t).status
            print("state=%s handler=%s" % (pb.PodSandboxState.Name(s.state), s.runtime_handler))
        elif args.command == "create":
            with open(args.pod_config) as f:
                pod_config = text_format.Parse(f.read(), pb.PodSandboxConfig())
            config = pb.ContainerConfig(
                metadata=pb.ContainerMetadata(name=args.name),
                image=pb.ImageSpec(image=args.image),
                command=args.cmd,
                log_path=args.name + ".log",
                linux=pb.LinuxContainerConfig(security_context=pb.LinuxContainerSecurityContext(
                    namespace_options=pb.NamespaceOption(network=pb.NODE, pid=pb.CONTAINER, ipc=pb.POD))))
            r = runtime.CreateContainer(
                pb.CreateContainerRequest(pod_sandbox_id=args.pod, config=config, sandbox_config=pod_config),
                timeout=t)
            print(r.container_id)
        elif args.command == "start":
            runtime.StartContainer(pb.StartContainerRequest(container_id=args.id), timeout=t)
        elif args.command == "inspect":
            r = container_status(args.id, verbose=True)
            s = r.status
            info = json.loads(r.info.get("info", "{}"))
            print("state=%s exit_code=%d reason=%s pid=%s" % (
                pb.ContainerState.Name(s.state), s.exit_code, s.reason, info.get("pid", "")))
        elif args.command == "wait":
            deadline = time.monotonic() + args.seconds
            while True:
                s = container_status(args.id).status
                if s.state == pb.CONTAINER_EXITED:
                    print(s.exit_code)
                    break
                if time.monotonic() > deadline:
                    sys.exit("cri: %s still %s" % (args.id, pb.ContainerState.Name(s.state)))
                time.sleep(0.1)
        elif args.command == "logs":
            # CRI log lines are "TIME STREAM TAG TEXT" (TAG P: partial line, F: full line).
            with open(container_status(args.id).status.log_path) as f:
                for line in f:
                    parts = line.rstrip("\n").split(" ", 3)
                    text = parts[3] if len(parts) == 4 else ""
                    print(text, end="\n" if parts[2:3] == ["F"] else "")
        elif args.command == "exec":
            r = runtime.ExecSync(pb.ExecSyncRequest(container_id=args.id, cmd=args.cmd, timeout=args.seconds),
                                 timeout=args.seconds + t)
            sys.stdout.buffer.write(r.stdout)
            sys.stderr.buffer.write(r.stderr)
            sys.exit(r.exit_code)
        elif args.command == "stop":
            runtime.StopContainer(pb.StopContainerRequest(container_id=args.id, timeout=args.grace), timeout=t)
        elif args.command == "rm":
            runtime.RemoveContainer(pb.RemoveContainerRequest(container_id=args.id), timeout=t)
        elif args.command == "stopp":
            runtime.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=args.id), timeout=t)
        elif args.command == "rmp":
            runtime.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=args.id), timeout=t)
        elif args.command == "pods":
            for p in runtime.ListPodSandbox(pb.ListPodSandboxRequest(), timeout=t).items:
                print(p.id, p.metadata.name, pb.PodSandboxState.Name(p.state), p.runtime_handler)
        elif args.command == "ps":
            for c in runtime.ListContainers(pb.ListContainersRequest(), timeout=t).containers:
                print(c.id, c.pod_sandbox_id, c.metadata.name, pb.ContainerState.Name(c.state))
        elif args.command == "cleanup":
            for p in runtime.ListPodSandbox(pb.ListPodSandboxRequest(), timeout=t).items:
                runtime.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=p.id), timeout=t)
                runtime.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=p.id), timeout=t)
    except grpc.RpcError as e:
        sys.exit("cri: %s: %s: %s" % (args.command, e.code().name, e.details()))


if __name__ == "__main__":
    main()

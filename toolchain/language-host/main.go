// Command pulumi-language-python is this project's Python language host for the
// Pulumi CLI.
//
// Pulumi's own host lives in a Go module that the module proxy reachable from this
// project's machines does not serve, so the CLI built by scripts/toolchain would have
// no way to run a Python program or a Python policy pack. This host implements the
// part of the LanguageRuntime protocol those two need, on top of the sdk/v3 module
// (served by the proxy): it runs `pulumi-language-python-exec` for a program and
// `python -m pulumi.policy` for a policy pack, in the virtual environment that
// Pulumi.yaml (or PulumiPolicy.yaml) names. Code generation, templates and package
// linking are left unimplemented: nothing in this project uses them.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// execScript is the Python entry point shipped in the sdk/v3 module; the toolchain
// script installs it next to this binary.
const execScript = "pulumi-language-python-exec"

// exitAfterUserMessage is the status pulumi-language-python-exec uses after it has
// already shown the user an actionable error: the engine should not add its own.
const exitAfterUserMessage = 32

func main() {
	showVersion := flag.Bool("version", false, "print the plugin version and exit")
	flag.String("tracing", "", "accepted for compatibility; tracing is not supported")
	flag.Parse()
	if version.Version == "" {
		// scripts/toolchain stamps the pinned CLI version with -ldflags; an unstamped
		// host would report an empty plugin version to `pulumi about` and the engine.
		fail(errors.New("built without a version: build it with scripts/toolchain"))
	}
	if *showVersion {
		fmt.Println(version.Version)
		return
	}

	self, err := os.Executable()
	if err != nil {
		fail(fmt.Errorf("locating this executable: %w", err))
	}
	host := &languageHost{exec: filepath.Join(filepath.Dir(self), execScript)}
	if _, err := os.Stat(host.exec); err != nil {
		fail(fmt.Errorf("missing %s beside the language host: %w", execScript, err))
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cancel := make(chan bool)
	go func() { <-ctx.Done(); close(cancel) }()

	if args := flag.Args(); len(args) > 0 {
		host.engine = args[0]
		if err := rpcutil.Healthcheck(ctx, host.engine, 5*time.Minute, stop); err != nil {
			fail(fmt.Errorf("watching the engine: %w", err))
		}
	}

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		fail(fmt.Errorf("starting the language host: %w", err))
	}
	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "pulumi-language-python: %v\n", err)
	os.Exit(1)
}

type languageHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	exec   string
	engine string
}

// handledOptions are the runtime options of Pulumi.yaml (or PulumiPolicy.yaml) this host
// acts on. Pulumi's own host knows more (toolchain, typechecker, ...); silently running
// pip where a project asked for uv or poetry would install and type-check nothing the
// project expects, so any other option is refused by name.
var handledOptions = map[string]bool{"virtualenv": true}

// options reads the runtime options: the virtual environment, relative to the project
// root. Without one, the interpreter is PULUMI_PYTHON_CMD or the python3 on PATH, for
// programs and policy packs alike.
func options(info *pulumirpc.ProgramInfo) (toolchain.PythonOptions, error) {
	opts := toolchain.PythonOptions{
		Root:       info.GetRootDirectory(),
		ProgramDir: info.GetProgramDirectory(),
		Toolchain:  toolchain.Pip,
	}
	if info.GetOptions() == nil {
		return opts, nil
	}
	given := info.GetOptions().AsMap()
	var refused []string
	for name := range given {
		if !handledOptions[name] {
			refused = append(refused, name)
		}
	}
	if len(refused) > 0 {
		sort.Strings(refused)
		return opts, fmt.Errorf(
			"runtime option(s) %s are not supported by this project's Python language host "+
				"(toolchain/language-host), which handles only 'virtualenv'; remove them from "+
				"the runtime options of Pulumi.yaml or PulumiPolicy.yaml",
			strings.Join(quoted(refused), ", "))
	}
	if venv, ok := given["virtualenv"]; ok {
		name, isString := venv.(string)
		if !isString {
			return opts, errors.New("runtime option 'virtualenv' must be a string (a directory relative to the project)")
		}
		opts.Virtualenv = name
	}
	return opts, nil
}

func quoted(names []string) []string {
	out := make([]string, len(names))
	for i, name := range names {
		out[i] = "'" + name + "'"
	}
	return out
}

func (h *languageHost) Handshake(
	ctx context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.engine = req.GetEngineAddress()
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *languageHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

// GetRequiredPackages reports none: the project uses only dynamic resources, served by
// the bundled pulumi-python provider, so there is nothing for the engine to install.
func (h *languageHost) GetRequiredPackages(
	context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

func (h *languageHost) GetRequiredPlugins(
	context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

// InstallDependencies does nothing: `make` (scripts/bootstrap) installs the project's
// virtual environment from pyproject.toml, pinned, before any Pulumi command runs.
func (h *languageHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	return server.Send(&pulumirpc.InstallDependenciesResponse{
		Stdout: []byte("Dependencies are installed by scripts/bootstrap (make); nothing to do.\n"),
	})
}

func (h *languageHost) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	opts := toolchain.PythonOptions{Toolchain: toolchain.Pip}
	if req.GetInfo() != nil {
		var err error
		if opts, err = options(req.GetInfo()); err != nil {
			return nil, err
		}
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return nil, err
	}
	// The engine asks this of every preview, update and refresh, for the update's
	// metadata, and wants only the interpreter and its version. The toolchain's own About
	// starts three interpreters, one of them `python -m pip --version` (about 0.3 s of
	// CPU, docs/ci.md); one interpreter tells both.
	cmd, err := tc.Command(ctx, "-c", aboutScript)
	if err != nil {
		return nil, err
	}
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("asking the Python interpreter for its version: %w", err)
	}
	executable, pythonVersion, found := strings.Cut(strings.TrimSpace(string(out)), "\n")
	if !found {
		return nil, fmt.Errorf("unexpected answer from the Python interpreter: %q", out)
	}
	return &pulumirpc.AboutResponse{Executable: executable, Version: pythonVersion}, nil
}

// aboutScript prints the interpreter's path, then its version as MAJOR.MINOR.PATCH.
const aboutScript = "import sys; print(sys.executable); print('%d.%d.%d' % sys.version_info[:3])"

func (h *languageHost) GetProgramDependencies(
	ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	opts, err := options(req.GetInfo())
	if err != nil {
		return nil, err
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return nil, err
	}
	pkgs, err := tc.ListPackages(ctx, req.GetTransitiveDependencies())
	if err != nil {
		return nil, err
	}
	deps := make([]*pulumirpc.DependencyInfo, 0, len(pkgs))
	for _, p := range pkgs {
		deps = append(deps, &pulumirpc.DependencyInfo{Name: p.Name, Version: p.Version})
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}

// Run executes the program through pulumi-language-python-exec with the engine's
// addresses and the stack configuration in the environment, as the SDK expects.
func (h *languageHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	opts, err := options(req.GetInfo())
	if err != nil {
		return nil, err
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return nil, err
	}
	if err := tc.ValidateVenv(ctx); err != nil {
		return nil, err
	}

	args := []string{h.exec}
	flagArg := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	flagArg("monitor", req.GetMonitorAddress())
	flagArg("engine", h.engine)
	flagArg("project", req.GetProject())
	flagArg("root_directory", req.GetInfo().GetRootDirectory())
	flagArg("stack", req.GetStack())
	flagArg("pwd", req.GetPwd())
	flagArg("dry_run", strconv.FormatBool(req.GetDryRun()))
	flagArg("parallel", strconv.Itoa(int(req.GetParallel())))
	flagArg("organization", req.GetOrganization())
	args = append(args, req.GetInfo().GetEntryPoint())
	args = append(args, req.GetArgs()...)

	cmd, err := tc.Command(ctx, args...)
	if err != nil {
		return nil, err
	}
	config, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, err
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env, "PULUMI_CONFIG="+string(config), "PULUMI_CONFIG_SECRET_KEYS="+string(secretJSON))
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	// On cancellation, interrupt Python first so it can unwind, then kill.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second

	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == exitAfterUserMessage {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("program exited with non-zero exit code: %d", exitErr.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run the Python program: %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// RunPlugin runs a Python policy pack (`python -u -m pulumi.policy <args> <dir>`) or
// another Python plugin (`python <dir> <args>`). A policy pack receives the stack's
// configuration through the SDK's policy proxy, as Pulumi's own host does.
func (h *languageHost) RunPlugin(
	req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer,
) error {
	ctx := server.Context()
	analyzer := req.GetKind() == string(apitype.AnalyzerPlugin)
	opts, err := options(req.GetInfo())
	if err != nil {
		return err
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return err
	}
	dir := req.GetInfo().GetProgramDirectory()
	var args []string
	if analyzer {
		args = append(append([]string{"-u", "-m", "pulumi.policy"}, req.GetArgs()...), dir)
	} else {
		args = append([]string{dir}, req.GetArgs()...)
	}
	cmd, err := tc.Command(ctx, args...)
	if err != nil {
		return err
	}
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}

	var proxy *sdk.PolicyProxy
	if analyzer {
		// Policy packs have always run from their own directory.
		cmd.Dir = dir
		proxy, stdout, err = sdk.NewPolicyProxy(ctx, stdout)
		if err != nil {
			return fmt.Errorf("starting the policy proxy: %w", err)
		}
		stack, err := proxy.AwaitConfiguration(ctx)
		if err != nil {
			return fmt.Errorf("waiting for the stack configuration: %w", err)
		}
		if stack != nil {
			setEnv := func(k, v string) {
				if v != "" {
					cmd.Env = append(cmd.Env, k+"="+v)
				}
			}
			setEnv("PULUMI_ORGANIZATION", stack.GetOrganization())
			setEnv("PULUMI_PROJECT", stack.GetProject())
			setEnv("PULUMI_STACK", stack.GetStack())
			setEnv("PULUMI_DRY_RUN", strconv.FormatBool(stack.GetDryRun()))
			if stack.GetConfig() != nil {
				config, err := json.Marshal(stack.GetConfig())
				if err != nil {
					return err
				}
				setEnv("PULUMI_CONFIG", string(config))
			}
		}
	} else {
		cmd.Dir = req.GetPwd()
	}
	cmd.Env = append(cmd.Env, req.GetEnv()...)
	cmd.Stdout, cmd.Stderr = stdout, stderr

	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the plugin: %w", err)
	}
	if proxy != nil {
		// The proxy owns the process from here: it forwards the engine's calls to it.
		return proxy.Attach(ctx, cmd)
	}
	if err := cmd.Wait(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if status, ok := exitErr.Sys().(syscall.WaitStatus); ok {
				return server.Send(&pulumirpc.RunPluginResponse{
					Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(status.ExitStatus())},
				})
			}
		}
		return fmt.Errorf("running the plugin: %w", err)
	}
	return closer.Close()
}

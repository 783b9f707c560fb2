// Command pulumi-resource-aws is the end-to-end suite's AWS provider: it starts
// Pulumi's dynamic Terraform bridge on the real Terraform AWS provider binary and
// forwards every call to it under pulumi-aws's names. Test-only: the suite puts it
// on the engine's PATH. FARGO_E2E_BRIDGE names the bridge binary and
// FARGO_TF_AWS_PROVIDER the Terraform provider binary.
package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/fargo-dev/fargo/e2e/internal/awsshim"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "pulumi-resource-aws (e2e):", err)
		os.Exit(1)
	}
}

func run() error {
	bridgeBin, tfBin := os.Getenv("FARGO_E2E_BRIDGE"), os.Getenv("FARGO_TF_AWS_PROVIDER")
	if bridgeBin == "" || tfBin == "" {
		return fmt.Errorf("FARGO_E2E_BRIDGE and FARGO_TF_AWS_PROVIDER must name the bridge and the Terraform AWS provider")
	}
	var engine string
	for _, a := range os.Args[1:] {
		if !strings.HasPrefix(a, "-") {
			engine = a
		}
	}
	bridge, port, err := startBridge(bridgeBin, engine)
	if err != nil {
		return err
	}
	defer stop(bridge)
	go func() { // end the bridge with us, whatever ends us
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		stop(bridge)
		os.Exit(0)
	}()

	conn, err := grpc.NewClient("127.0.0.1:"+port, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(400*1024*1024)))
	if err != nil {
		return err
	}
	client := pulumirpc.NewResourceProviderClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := client.Parameterize(ctx, &pulumirpc.ParameterizeRequest{Parameters: &pulumirpc.ParameterizeRequest_Args{
		Args: &pulumirpc.ParameterizeRequest_ParametersArgs{Args: []string{tfBin, "--provider-name", "aws"}},
	}}); err != nil {
		return fmt.Errorf("parameterizing the bridge with %s: %w", tfBin, err)
	}

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := grpc.NewServer(grpc.MaxRecvMsgSize(400 * 1024 * 1024))
	pulumirpc.RegisterResourceProviderServer(srv, &awsshim.Server{Bridge: client})
	fmt.Println(lis.Addr().(*net.TCPAddr).Port)
	if engine != "" {
		go watchEngine(engine, srv)
	}
	return srv.Serve(lis)
}

// startBridge starts the bridge in its own process group, dying with us, and
// returns it with the port it serves on.
func startBridge(bin, engine string) (*exec.Cmd, string, error) {
	var args []string
	if engine != "" {
		args = append(args, engine)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", fmt.Errorf("starting the bridge %s: %w", bin, err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		stop(cmd)
		return nil, "", fmt.Errorf("the bridge printed no port: %w", err)
	}
	return cmd, strings.TrimSpace(line), nil
}

// stop ends the bridge's whole process group (the bridge and its Terraform
// provider): an interrupt first, a kill after five seconds.
func stop(cmd *exec.Cmd) {
	if cmd == nil || cmd.Process == nil {
		return
	}
	pgid := cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGINT)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}

// watchEngine stops serving once the engine is gone.
func watchEngine(addr string, srv *grpc.Server) {
	for {
		time.Sleep(time.Second)
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			srv.Stop()
			return
		}
		c.Close()
	}
}

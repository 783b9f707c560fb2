package awsshim

import (
	"context"
	"fmt"
	"strings"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// Version is the pulumi-aws version the shim answers as: the one fargo's SDK asks for.
const Version = "6.83.4"

// Server forwards every provider call to the bridge, translating names.
type Server struct {
	pulumirpc.UnimplementedResourceProviderServer
	Bridge pulumirpc.ResourceProviderClient
}

// propertyFields are the request and response fields that hold a resource's properties.
var propertyFields = map[string]bool{"olds": true, "news": true, "properties": true, "inputs": true, "oldInputs": true, "old_inputs": true}

// request translates a request in place: tokens and URNs to the bridge's names,
// and property names of the resource's type. It returns the pulumi-aws type.
func request(m proto.Message) (string, error) {
	r := m.ProtoReflect()
	fields := r.Descriptor().Fields()
	typ := ""
	if f := fields.ByName("type"); f != nil && r.Get(f).String() != "" {
		typ = r.Get(f).String()
	} else if f := fields.ByName("urn"); f != nil {
		typ = typeOfURN(r.Get(f).String())
	}
	for i := range fields.Len() {
		f := fields.Get(i)
		name := string(f.Name())
		switch {
		case f.Kind() == protoreflect.StringKind && !f.IsList() && !f.IsMap() && (name == "urn" || name == "parent"):
			if v := r.Get(f).String(); v != "" {
				u, err := URN(v)
				if err != nil {
					return "", err
				}
				r.Set(f, protoreflect.ValueOfString(u))
			}
		case f.Kind() == protoreflect.StringKind && !f.IsList() && name == "type":
			if v := r.Get(f).String(); v != "" {
				t, err := typeToken(v)
				if err != nil {
					return "", err
				}
				r.Set(f, protoreflect.ValueOfString(t))
			}
		case f.Kind() == protoreflect.StringKind && !f.IsList() && name == "tok":
			t, err := FunctionToken(r.Get(f).String())
			if err != nil {
				return "", err
			}
			r.Set(f, protoreflect.ValueOfString(t))
		case f.Kind() == protoreflect.MessageKind && propertyFields[name] && r.Has(f):
			if s, ok := r.Get(f).Message().Interface().(*structpb.Struct); ok {
				toBridge(s, Renames[typ])
			}
		}
	}
	return typ, nil
}

// response translates a response's property names back to pulumi-aws's.
func response(m proto.Message, typ string) {
	back := map[string]string{}
	for k, v := range Renames[typ] {
		back[v.to] = k
	}
	if len(back) == 0 || m == nil {
		return
	}
	r := m.ProtoReflect()
	fields := r.Descriptor().Fields()
	for i := range fields.Len() {
		f := fields.Get(i)
		name := string(f.Name())
		switch {
		case f.Kind() == protoreflect.MessageKind && !f.IsList() && !f.IsMap() && r.Has(f):
			if s, ok := r.Get(f).Message().Interface().(*structpb.Struct); ok && (propertyFields[name] || name == "return") {
				fromBridge(s, Renames[typ])
			}
		case f.Kind() == protoreflect.StringKind && f.IsList():
			l := r.Mutable(f).List()
			for j := range l.Len() {
				l.Set(j, protoreflect.ValueOfString(renamePath(l.Get(j).String(), back)))
			}
		}
	}
	if d, ok := m.(*pulumirpc.DiffResponse); ok {
		detailed := map[string]*pulumirpc.PropertyDiff{}
		for k, v := range d.DetailedDiff {
			detailed[renamePath(k, back)] = v
		}
		d.DetailedDiff = detailed
	}
	if c, ok := m.(*pulumirpc.CheckResponse); ok {
		for _, f := range c.Failures {
			f.Property = renamePath(f.Property, back)
		}
	}
}

// toBridge renames a request's properties (and unwraps one-item lists).
func toBridge(s *structpb.Struct, renames map[string]rename) {
	for from, r := range renames {
		v, ok := s.Fields[from]
		if !ok {
			continue
		}
		delete(s.Fields, from)
		if l := v.GetListValue(); r.oneItem && l != nil {
			switch len(l.Values) {
			case 0:
				continue // no block
			case 1:
				v = l.Values[0]
			}
		}
		s.Fields[r.to] = v
	}
}

// fromBridge renames a response's properties back (and wraps one-item blocks in a list).
func fromBridge(s *structpb.Struct, renames map[string]rename) {
	for pulumiName, r := range renames {
		v, ok := s.Fields[r.to]
		if !ok {
			continue
		}
		delete(s.Fields, r.to)
		if r.oneItem {
			switch v.GetKind().(type) {
			case *structpb.Value_NullValue:
				v = structpb.NewListValue(&structpb.ListValue{})
			case *structpb.Value_StructValue:
				v = structpb.NewListValue(&structpb.ListValue{Values: []*structpb.Value{v}})
			}
		}
		s.Fields[pulumiName] = v
	}
}

// renamePath renames the head of a property path like "ingresses[0].cidrBlocks".
func renamePath(path string, names map[string]string) string {
	end := strings.IndexAny(path, ".[")
	if end < 0 {
		end = len(path)
	}
	if to, ok := names[path[:end]]; ok {
		return to + path[end:]
	}
	return path
}

// forward translates a request, makes the call and translates the response.
func forward[Req proto.Message, Resp proto.Message](ctx context.Context, req Req, call func(context.Context, Req) (Resp, error)) (Resp, error) {
	var zero Resp
	typ, err := request(req)
	if err != nil {
		return zero, err
	}
	resp, err := call(ctx, req)
	if err != nil {
		return zero, err
	}
	response(resp, typ)
	return resp, nil
}

// GetPluginInfo answers as the pulumi-aws version the program asks for.
func (s *Server) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: Version}, nil
}

// Handshake forwards the engine's handshake.
func (s *Server) Handshake(ctx context.Context, req *pulumirpc.ProviderHandshakeRequest) (*pulumirpc.ProviderHandshakeResponse, error) {
	return s.Bridge.Handshake(ctx, req)
}

// GetSchema is not served: the bridge's schema is of its own names.
func (s *Server) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return nil, fmt.Errorf("the e2e AWS provider serves no schema")
}

// CheckConfig forwards.
func (s *Server) CheckConfig(ctx context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return forward(ctx, req, func(ctx context.Context, r *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
		return s.Bridge.CheckConfig(ctx, r)
	})
}

// DiffConfig forwards.
func (s *Server) DiffConfig(ctx context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return forward(ctx, req, func(ctx context.Context, r *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
		return s.Bridge.DiffConfig(ctx, r)
	})
}

// Configure forwards.
func (s *Server) Configure(ctx context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return s.Bridge.Configure(ctx, req)
}

// Invoke forwards with the function's bridge token.
func (s *Server) Invoke(ctx context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	return forward(ctx, req, func(ctx context.Context, r *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
		return s.Bridge.Invoke(ctx, r)
	})
}

// Check forwards.
func (s *Server) Check(ctx context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return forward(ctx, req, func(ctx context.Context, r *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
		return s.Bridge.Check(ctx, r)
	})
}

// Diff forwards.
func (s *Server) Diff(ctx context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return forward(ctx, req, func(ctx context.Context, r *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
		return s.Bridge.Diff(ctx, r)
	})
}

// Create forwards.
func (s *Server) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	return forward(ctx, req, func(ctx context.Context, r *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
		return s.Bridge.Create(ctx, r)
	})
}

// Read forwards.
func (s *Server) Read(ctx context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	return forward(ctx, req, func(ctx context.Context, r *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
		return s.Bridge.Read(ctx, r)
	})
}

// Update forwards.
func (s *Server) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	return forward(ctx, req, func(ctx context.Context, r *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
		return s.Bridge.Update(ctx, r)
	})
}

// Delete forwards.
func (s *Server) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	return forward(ctx, req, func(ctx context.Context, r *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
		return s.Bridge.Delete(ctx, r)
	})
}

// Cancel forwards.
func (s *Server) Cancel(ctx context.Context, req *emptypb.Empty) (*emptypb.Empty, error) {
	return s.Bridge.Cancel(ctx, req)
}

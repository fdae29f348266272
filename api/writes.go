package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"strings"
)

// The writes are built here, once: the same request is what the confirm
// dialog shows (Preview) and what is sent, so the two can never differ.

func refuse(op Op, id, msg string) error {
	return &Error{Op: op, DeviceID: id, Message: msg, Hint: "nothing was sent", Local: true}
}

func updateConfigRequest(id string, partial Config) (request, error) {
	id, err := deviceID(OpUpdateConfig, id)
	if err != nil {
		return request{}, err
	}
	if len(partial.Keys()) == 0 {
		return request{}, refuse(OpUpdateConfig, id, "nothing to send: the change is empty")
	}
	for _, k := range partial.Keys() {
		if err := ValidateConfigKey(k); err != nil {
			return request{}, refuse(OpUpdateConfig, id, err.Error())
		}
	}
	body, err := json.Marshal(map[string]any{"config": partial})
	if err != nil {
		return request{}, refuse(OpUpdateConfig, id, err.Error())
	}
	return request{op: OpUpdateConfig, id: id, body: body, ctype: "application/json"}, nil
}

func addUserRequest(id string, req AddUserRequest) (request, error) {
	id, err := deviceID(OpAddUser, id)
	if err != nil {
		return request{}, err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return request{}, refuse(OpAddUser, id, err.Error())
	}
	return request{op: OpAddUser, id: id, body: body, ctype: "application/json"}, nil
}

func loadFileRequest(id, name string, content []byte) (request, error) {
	id, err := deviceID(OpLoadFile, id)
	if err != nil {
		return request{}, err
	}
	if err := ValidateFile(name, len(content)); err != nil {
		return request{}, refuse(OpLoadFile, id, err.Error())
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", name)
	if err == nil {
		_, err = fw.Write(content)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return request{}, refuse(OpLoadFile, id, err.Error())
	}
	return request{op: OpLoadFile, id: id, body: buf.Bytes(), ctype: mw.FormDataContentType()}, nil
}

// Preview is a request exactly as it will be sent, for a person to read
// before saying yes: the setup password is masked and a file's bytes are
// summarised, everything else is verbatim.
type Preview struct {
	Method string
	URL    string
	Body   string
}

// Lines is the preview as it is shown: the request line, then the body.
func (p Preview) Lines() []string {
	out := []string{p.Method + " " + p.URL}
	if p.Body != "" {
		out = append(out, strings.Split(p.Body, "\n")...)
	}
	return out
}

// PreviewUpdateConfig is what UpdateConfig would send.
func (c *Client) PreviewUpdateConfig(id string, partial Config) (Preview, error) {
	r, err := updateConfigRequest(id, partial)
	if err != nil {
		return Preview{}, err
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, r.body, "", "  ") != nil {
		pretty.Reset()
		pretty.Write(r.body)
	}
	return c.preview(r, pretty.String()), nil
}

// PreviewAddUser is what AddUser would send.
func (c *Client) PreviewAddUser(id string, req AddUserRequest) (Preview, error) {
	if req.SetupPassword != "" {
		req.SetupPassword = "••••••"
	}
	r, err := addUserRequest(id, req)
	if err != nil {
		return Preview{}, err
	}
	return c.preview(r, string(r.body)), nil
}

// PreviewLoadFile is what LoadFile would send.
func (c *Client) PreviewLoadFile(id, name string, content []byte) (Preview, error) {
	r, err := loadFileRequest(id, name, content)
	if err != nil {
		return Preview{}, err
	}
	return c.preview(r, fmt.Sprintf("multipart/form-data: file=%s (%d bytes)", name, len(content))), nil
}

func (c *Client) preview(r request, body string) Preview {
	return Preview{Method: c.routes.Get(r.op).Method, URL: c.routes.URL(c.base, r.op, r.id, r.query), Body: body}
}

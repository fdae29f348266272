package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// Limits documented by Senquip for paging.
const (
	MaxDevicePage   = 1000
	DefaultPageSize = 100
	MaxDataLimit    = 1000
)

// malformed names the operation and status of a body we could not decode.
func malformed(op Op, id string, status int, err error) error {
	return &Error{Op: op, DeviceID: id, Status: status, Message: "malformed response: " + err.Error(),
		Hint: "the server's answer did not match the contract; try again, or report it with sqc --debug"}
}

func deviceID(op Op, id string) (string, error) {
	n, err := NormaliseDeviceID(id)
	if err != nil {
		return "", &Error{Op: op, DeviceID: id, Message: err.Error(), Hint: "nothing was sent", Err: err, Local: true}
	}
	return n, nil
}

// ListDevicesPage fetches one page of List All Devices.
func (c *Client) ListDevicesPage(ctx context.Context, limit int, cursor string) (*DeviceList, error) {
	if limit <= 0 || limit > MaxDevicePage {
		return nil, &Error{Op: OpListDevices, Message: fmt.Sprintf("page limit %d out of range 1..%d", limit, MaxDevicePage), Local: true}
	}
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	status, body, err := c.do(ctx, request{op: OpListDevices, query: q})
	if err != nil {
		return nil, err
	}
	var page DeviceList
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, malformed(OpListDevices, "", status, err)
	}
	for i := range page.Devices {
		c.noteRemaining(page.Devices[i].DeviceID, page.Devices[i].Remaining)
	}
	return &page, nil
}

// GetDevice fetches one device.
func (c *Client) GetDevice(ctx context.Context, id string) (*Device, error) {
	id, err := deviceID(OpGetDevice, id)
	if err != nil {
		return nil, err
	}
	status, body, err := c.do(ctx, request{op: OpGetDevice, id: id})
	if err != nil {
		return nil, err
	}
	var d Device
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, malformed(OpGetDevice, id, status, err)
	}
	return &d, nil
}

// DataQuery selects messages of Get Device Data. Zero times are left out;
// Limit 0 means the server's default (the latest message).
type DataQuery struct {
	Start, End time.Time
	Limit      int
}

// GetData fetches data messages, newest first.
func (c *Client) GetData(ctx context.Context, id string, q DataQuery) (*DataPage, error) {
	id, err := deviceID(OpGetData, id)
	if err != nil {
		return nil, err
	}
	if q.Limit < 0 || q.Limit > MaxDataLimit {
		return nil, &Error{Op: OpGetData, DeviceID: id, Message: fmt.Sprintf("limit %d out of range 1..%d", q.Limit, MaxDataLimit), Hint: "nothing was sent", Local: true}
	}
	v := url.Values{}
	if !q.Start.IsZero() {
		v.Set("start", strconv.FormatInt(q.Start.Unix(), 10))
	}
	if !q.End.IsZero() {
		v.Set("end", strconv.FormatInt(q.End.Unix(), 10))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	status, body, err := c.do(ctx, request{op: OpGetData, id: id, query: v})
	if err != nil {
		return nil, err
	}
	page, err := DecodeDataPage(body)
	if err != nil {
		return nil, malformed(OpGetData, id, status, err)
	}
	return page, nil
}

// GetConfig fetches a device's configuration.
func (c *Client) GetConfig(ctx context.Context, id string) (*ConfigResponse, error) {
	id, err := deviceID(OpGetConfig, id)
	if err != nil {
		return nil, err
	}
	status, body, err := c.do(ctx, request{op: OpGetConfig, id: id})
	if err != nil {
		return nil, err
	}
	var cr ConfigResponse
	if err := json.Unmarshal(body, &cr); err != nil {
		return nil, malformed(OpGetConfig, id, status, err)
	}
	if cr.Config == nil {
		return nil, malformed(OpGetConfig, id, status, fmt.Errorf("no config object"))
	}
	return &cr, nil
}

// Result is the answer to a write: 202 means queued for the device's next
// check-in, to be verified by reading back.
type Result struct {
	Status  int
	Message string
}

// Queued reports a 202.
func (r Result) Queued() bool { return r.Status == 202 }

func (c *Client) write(ctx context.Context, r request) (Result, error) {
	status, body, err := c.do(ctx, r)
	if err != nil {
		return Result{}, err
	}
	return Result{Status: status, Message: serverMessage(body, "application/json")}, nil
}

// UpdateConfig sends a partial configuration tree.
func (c *Client) UpdateConfig(ctx context.Context, id string, partial Config) (Result, error) {
	r, err := updateConfigRequest(id, partial)
	if err != nil {
		return Result{}, err
	}
	return c.write(ctx, r)
}

// AddUserRequest is the body of Add a User to a Device. SetupPassword is
// needed only when the server answered "Password Required".
type AddUserRequest struct {
	GroupID       string `json:"groupid,omitempty"`
	GroupName     string `json:"groupName,omitempty"`
	SetupPassword string `json:"setupPassword,omitempty"`
}

// AddUser adds a device to the account (or a user to it).
func (c *Client) AddUser(ctx context.Context, id string, req AddUserRequest) (Result, error) {
	r, err := addUserRequest(id, req)
	if err != nil {
		return Result{}, err
	}
	return c.write(ctx, r)
}

// LoadFile uploads one file onto a device as multipart field "file".
func (c *Client) LoadFile(ctx context.Context, id, name string, content []byte) (Result, error) {
	r, err := loadFileRequest(id, name, content)
	if err != nil {
		return Result{}, err
	}
	return c.write(ctx, r)
}

// VerifyKey spends one cheap call (List All Devices, limit 1) to learn
// whether the server takes the client's key. The error says what to do.
func (c *Client) VerifyKey(ctx context.Context) error {
	_, err := c.ListDevicesPage(ctx, 1, "")
	switch st := StatusOf(err); {
	case err == nil:
		return nil
	case st == 401 || st == 403:
		return fmt.Errorf("the server refused this key (%d): check it in the Senquip Portal (Account → API Access); a key made in the last minute may not work yet", st)
	default:
		return fmt.Errorf("could not check the key: %w", err)
	}
}

// Package domain holds Tollgate's core types (tenants, users, roles, scopes,
// applications, token records), their validation and the error values every
// other package agrees on. It imports nothing of ours.
package domain

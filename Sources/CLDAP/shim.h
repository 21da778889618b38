#ifndef CAIRN_CLDAP_SHIM_H
#define CAIRN_CLDAP_SHIM_H
#define LDAP_DEPRECATED 0
#include <lber.h>
#include <ldap.h>

// Macros defined with casts or as expressions do not import into Swift; give them names that do.
static const int cairn_ldap_scope_subtree = LDAP_SCOPE_SUBTREE;
static const int cairn_ldap_scope_base = LDAP_SCOPE_BASE;
static const int cairn_ldap_success = LDAP_SUCCESS;
static const int cairn_ldap_invalid_credentials = LDAP_INVALID_CREDENTIALS;
static const int cairn_ldap_unwilling_to_perform = LDAP_UNWILLING_TO_PERFORM;
static const int cairn_ldap_inappropriate_auth = LDAP_INAPPROPRIATE_AUTH;
static const int cairn_ldap_no_such_object = LDAP_NO_SUCH_OBJECT;
static const int cairn_ldap_size_limit_exceeded = LDAP_SIZELIMIT_EXCEEDED;
static const int cairn_ldap_opt_protocol_version = LDAP_OPT_PROTOCOL_VERSION;
static const int cairn_ldap_opt_network_timeout = LDAP_OPT_NETWORK_TIMEOUT;
static const int cairn_ldap_opt_timeout = LDAP_OPT_TIMEOUT;
static const int cairn_ldap_opt_referrals = LDAP_OPT_REFERRALS;
static const int cairn_ldap_version3 = LDAP_VERSION3;
static const int cairn_ldap_opt_x_tls_cacertfile = LDAP_OPT_X_TLS_CACERTFILE;
static const int cairn_ldap_opt_x_tls_require_cert = LDAP_OPT_X_TLS_REQUIRE_CERT;
static const int cairn_ldap_opt_x_tls_newctx = LDAP_OPT_X_TLS_NEWCTX;
static const int cairn_ldap_x_tls_demand = LDAP_OPT_X_TLS_DEMAND;
static const int cairn_ldap_x_tls_allow = LDAP_OPT_X_TLS_ALLOW;
static const int cairn_ldap_timeout = LDAP_TIMEOUT;
static const int cairn_ldap_server_down = LDAP_SERVER_DOWN;
static const int cairn_ldap_connect_error = LDAP_CONNECT_ERROR;
#endif

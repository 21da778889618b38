#ifndef CAIRN_CLDAP_SHIM_H
#define CAIRN_CLDAP_SHIM_H
#define LDAP_DEPRECATED 0
#include <lber.h>
#include <ldap.h>
#endif

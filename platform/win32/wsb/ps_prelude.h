/* Forced include (-include) for the widl-generated -Oif proxy (wsbapp_p.c), compiled as C.
 * The proxy's vtables reference IUnknown_QueryInterface_Proxy / AddRef_Proxy / Release_Proxy,
 * which mingw-w64's unknwn.h declares for C++ only; rpcrt4 exports them (librpcrt4.a). */
#ifndef WSBKIT_PS_PRELUDE_H
#define WSBKIT_PS_PRELUDE_H
#ifndef __cplusplus
#include <objbase.h>
HRESULT STDMETHODCALLTYPE IUnknown_QueryInterface_Proxy(IUnknown *This, REFIID riid, void **ppvObject);
ULONG STDMETHODCALLTYPE IUnknown_AddRef_Proxy(IUnknown *This);
ULONG STDMETHODCALLTYPE IUnknown_Release_Proxy(IUnknown *This);
#endif
#endif

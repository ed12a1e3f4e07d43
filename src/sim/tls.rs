//! TLS for the simulated API servers. kubectl (client-go) never sends bearer tokens to
//! a plain `http://` server, so every cluster serves HTTPS with a certificate from a CA
//! generated at fleet start (fresh keys each run, never written anywhere but the
//! kubeconfig's `certificate-authority-data`). The leaf names 127.0.0.1, ::1 and
//! localhost. Handshakes run in their own tasks so a slow client never blocks accepts.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::server::TlsStream;

use super::error::SimError;

/// How long a client may take to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The fleet's CA (PEM, for kubeconfigs) and the server-side TLS configuration.
pub(crate) struct FleetTls {
    pub ca_pem: String,
    pub acceptor: TlsAcceptor,
}

/// A fresh CA and a loopback server certificate signed by it.
pub(crate) fn generate() -> Result<FleetTls, SimError> {
    let cert_error = |source| SimError::Certificate { source };
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(cert_error)?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "fleetdeck simulated fleet CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate().map_err(cert_error)?;
    let ca = CertifiedIssuer::self_signed(ca_params, ca_key).map_err(cert_error)?;

    let mut leaf_params = CertificateParams::new(vec![
        "127.0.0.1".to_string(),
        "::1".to_string(),
        "localhost".to_string(),
    ])
    .map_err(cert_error)?;
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "fleetdeck-sim");
    leaf_params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_key = KeyPair::generate().map_err(cert_error)?;
    let leaf = leaf_params.signed_by(&leaf_key, &ca).map_err(cert_error)?;

    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|builder| {
            builder
                .with_no_client_auth()
                .with_single_cert(vec![leaf.der().clone(), ca.der().clone()], key)
        })
        .map_err(|source| SimError::TlsConfig { source })?;
    // axum serves HTTP/1.1 here; offering only it keeps clients from trying h2.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(FleetTls {
        ca_pem: ca.pem(),
        acceptor: TlsAcceptor::from(Arc::new(config)),
    })
}

/// An axum listener yielding connections whose TLS handshake has completed.
pub(crate) struct TlsListener {
    incoming: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    /// Accept on `tcp` until `shutdown` turns true.
    pub fn new(
        tcp: TcpListener,
        local: SocketAddr,
        acceptor: TlsAcceptor,
        mut shutdown: watch::Receiver<bool>,
    ) -> Self {
        let (sender, incoming) = mpsc::channel(64);
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    accepted = tcp.accept() => match accepted {
                        Ok((stream, peer)) => {
                            let acceptor = acceptor.clone();
                            let sender = sender.clone();
                            tokio::spawn(async move {
                                let _ = stream.set_nodelay(true);
                                match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                                    Ok(Ok(tls)) => {
                                        let _ = sender.send((tls, peer)).await;
                                    }
                                    Ok(Err(error)) => tracing::debug!(%peer, %error, "TLS handshake failed"),
                                    Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                                }
                            });
                        }
                        Err(error) => {
                            tracing::warn!(%error, "accept failed");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                    },
                    _ = async { let _ = shutdown.wait_for(|stopped| *stopped).await; } => break,
                }
            }
        });
        TlsListener { incoming, local }
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.incoming.recv().await {
            Some(connection) => connection,
            // The acceptor stopped (shutdown): wait for graceful shutdown to end the
            // server.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

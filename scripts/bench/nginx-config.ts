// nginx.conf for the HTTP peer: one static root on loopback with sendfile, as a home lab would serve boot assets;
// everything nginx writes (pid, temp files) goes under the benchmark's own folder, nothing under /var.

export interface NginxSite {
  readonly prefix: string;
  readonly root: string;
  readonly port: number;
}

export function nginxConfig(site: NginxSite): string {
  const temp = (name: string): string => `${site.prefix}/${name}`;
  return `daemon off;
master_process on;
# Debian's default: one worker per core.
worker_processes auto;
# The benchmark's temp folders are private to root.
user root;
pid ${site.prefix}/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  default_type application/octet-stream;
  client_body_temp_path ${temp('client_body')};
  proxy_temp_path ${temp('proxy')};
  fastcgi_temp_path ${temp('fastcgi')};
  uwsgi_temp_path ${temp('uwsgi')};
  scgi_temp_path ${temp('scgi')};
  server {
    listen 127.0.0.1:${site.port};
    root ${site.root};
  }
}
`;
}

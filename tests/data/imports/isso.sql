BEGIN TRANSACTION;
CREATE TABLE comments (tid REFERENCES threads(id), id INTEGER PRIMARY KEY, parent INTEGER,
  created FLOAT NOT NULL, modified FLOAT, mode INTEGER, remote_addr VARCHAR, text VARCHAR,
  author VARCHAR, email VARCHAR, website VARCHAR, likes INTEGER DEFAULT 0,
  dislikes INTEGER DEFAULT 0, voters BLOB NOT NULL, notification INTEGER DEFAULT 0);
INSERT INTO "comments" VALUES(1,1,NULL,1400000000.5,NULL,1,'192.0.2.0','First, *with* Markdown 你好','Ann','ann@example.com','https://ann.example',3,1,X'00',0);
INSERT INTO "comments" VALUES(1,2,1,1400000100.0,1400000200.0,1,'192.0.2.0','A reply','Bob',NULL,NULL,0,0,X'00',0);
INSERT INTO "comments" VALUES(1,3,NULL,1400000300.0,NULL,2,'192.0.2.0','Waiting','Cy',NULL,NULL,0,0,X'00',0);
INSERT INTO "comments" VALUES(2,4,NULL,1400000400.0,NULL,4,'192.0.2.0','','',NULL,NULL,0,0,X'00',0);
INSERT INTO "comments" VALUES(2,5,4,1400000500.0,NULL,1,'192.0.2.0','Под удалённым 😀','Дима',NULL,NULL,0,0,X'00',0);
CREATE TABLE preferences (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE threads (id INTEGER PRIMARY KEY, uri VARCHAR(256) UNIQUE, title VARCHAR(256));
INSERT INTO "threads" VALUES(1,'/blog/hello-world/','Hello, World');
INSERT INTO "threads" VALUES(2,'/blog/привет/?utm_source=x','Привет');
COMMIT;
